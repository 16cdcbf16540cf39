"""Imports keep their first errors and the count of all of them.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("errors_total", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("imports", "errors_total")
