"""Members' personal data, the household index (certification), photos, the access log.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_details",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("near_house_no", sa.String(40)),
        sa.Column("local_government", sa.String(200)),
        sa.Column("phone", sa.String(20)),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("other_problems", sa.JSON, nullable=False),
        sa.Column("able_to_repay", sa.Boolean),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "member_personal",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(8), primary_key=True),
        sa.Column("title", sa.String(200)),
        sa.Column("first_name", sa.String(200)),
        sa.Column("last_name", sa.String(200)),
        sa.Column("citizen_id", sa.String(13)),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("education", sa.String(200)),
        sa.Column("occupation", sa.String(200)),
        sa.Column("formal_debt", sa.Float),
        sa.Column("informal_debt", sa.Float),
        sa.Column("savings", sa.Float),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_member_personal_citizen_id", "member_personal", ["citizen_id"])
    op.create_index("ix_household_personal_head_citizen_id", "household_personal", ["head_citizen_id"])
    op.create_table(
        "household_index",
        sa.Column("household_id", sa.String(64), primary_key=True),
        sa.Column("area_code", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("survey_year", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_household_index_area_code", "household_index", ["area_code"])
    op.create_table(
        "household_photos",
        sa.Column("photo_id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(20), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_household_photos_household_id", "household_photos", ["household_id"])
    op.create_table(
        "personal_data_access",
        sa.Column("access_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("what", sa.String(80), nullable=False),
        sa.Column("purpose", sa.String(300)),
        sa.Column("request_id", sa.String(100)),
    )
    op.create_index("ix_personal_data_access_at", "personal_data_access", ["at"])
    op.create_index("ix_personal_data_access_subject", "personal_data_access", ["subject"])
    op.create_index("ix_personal_data_access_household_id", "personal_data_access", ["household_id"])


def downgrade() -> None:
    op.drop_table("personal_data_access")
    op.drop_table("household_photos")
    op.drop_table("household_index")
    op.drop_index("ix_household_personal_head_citizen_id", "household_personal")
    op.drop_table("member_personal")
    op.drop_table("household_details")
