"""Alembic environment: shared body in faemban_domain.platform.db, this service's tables as target."""

from faemban_assessment.adapters.tables import metadata
from faemban_domain.platform.db import run_alembic_env

run_alembic_env(metadata)
