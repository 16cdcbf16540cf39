"""The outbox keeps each record's Kafka headers (platform step 0002, ADR 0024).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

from faemban_domain.eventsourcing.platform_migrations import downgrade_0002, upgrade_0002

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_0002(op)


def downgrade() -> None:
    downgrade_0002(op)
