"""Alembic environment: shared body in faemban_domain.platform.db, this service's tables as target."""

from faemban_domain.platform.db import run_alembic_env
from faemban_planning.adapters.tables import metadata

run_alembic_env(metadata)
