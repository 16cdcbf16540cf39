"""The read side of reporting: every SQL the API asks, one module per report."""
