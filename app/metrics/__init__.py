"""Prometheus metrics: what the process counted and what the database holds."""
