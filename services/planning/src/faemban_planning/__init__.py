"""Faemban planning service: mentor teams, household plans and items, budget cases, escalation."""
