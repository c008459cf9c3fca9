"""Channels: a unit's official accounts on the platforms, their health, outbox and webhook deliveries."""
