"""Tables for the encouragement cog: per-member cooldown and last story shown.

Revision ID: 0005_encouragement
Revises: 0004_postings
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_encouragement"
down_revision = "0004_postings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "encouragement_members",
        sa.Column("community", sa.String(120), primary_key=True),
        sa.Column("user_id", sa.String(120), primary_key=True),
        sa.Column("last_auto_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_story", sa.String(100), nullable=True),
        sa.Column("last_step", sa.String(100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("encouragement_members")
