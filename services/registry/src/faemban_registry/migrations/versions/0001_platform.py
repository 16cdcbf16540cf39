"""Platform tables: event store, outbox, inbox, consumer offsets, idempotency keys.

Revision ID: 0001
Revises:
"""

from alembic import op

from faemban_domain.eventsourcing.platform_migrations import downgrade_0001, upgrade_0001

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_0001(op)


def downgrade() -> None:
    downgrade_0001(op)
