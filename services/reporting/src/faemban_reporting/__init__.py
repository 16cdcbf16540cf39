"""Reporting service: read models projected from every service\x27s events."""
