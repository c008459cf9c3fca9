"""Listening services: dashboard queries over rollups, facets, spikes, alerts, narratives."""
