"""Register imports commit chunk by chunk: the rows registered so far are the resume point.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("imports", sa.Column("rows_registered", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("imports", "rows_registered")
