"""The outbox keeps each record's Kafka headers (platform step 0002, ADR 0024).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from faemban_domain.eventsourcing.platform_migrations import downgrade_0002, upgrade_0002

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    upgrade_0002(op)


def downgrade() -> None:
    downgrade_0002(op)
