"""The demo institution: units, users, mentions (tools, not rules)."""
