"""Benchmarks and evaluations (tools, not rules): ingest, dashboard, spikes."""
