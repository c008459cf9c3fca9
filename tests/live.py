"""Live server and browser fixtures (filled in by the web shell work)."""
