"""Faemban assessment service: indicator results to MPI, dimensions, critical,
vulnerability level, outcome ladder, history."""
