"""The relay tails the event store from a stored position; the outbox goes (platform step
0003, ADR 0032).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from faemban_domain.eventsourcing.platform_migrations import downgrade_0003, upgrade_0003

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_0003(op)


def downgrade() -> None:
    downgrade_0003(op)
