"""The inbox service, split by sub-topic: intake (mentions into conversations), conversations (status,
assignment, notes), settings, and the parts beside them (deadlines, replies, templates, moderation, LAPOR!,
personal data, listing)."""
