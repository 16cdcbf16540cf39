"""Faemban assistance-log service: the logbook of assistance given."""
