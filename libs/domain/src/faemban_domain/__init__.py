"""Faemban shared kernel.

Only facts every service must agree on live here (indicators, areas, event
contracts) plus the event-sourcing and service-platform kits; behaviour that
belongs to one service lives in that service's domain layer.
"""
