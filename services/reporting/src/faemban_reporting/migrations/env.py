"""Alembic environment: shared body in faemban_domain.platform.db."""

from faemban_domain.platform.db import run_alembic_env

run_alembic_env()
