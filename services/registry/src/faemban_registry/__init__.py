"""Registry service: the household folder\x27s facts and their history."""
