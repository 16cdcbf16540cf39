"""Alembic environment: shared body in faemban_domain.platform.db."""

from faemban_assistance_log.adapters.tables import metadata
from faemban_domain.platform.db import run_alembic_env

run_alembic_env(metadata)
