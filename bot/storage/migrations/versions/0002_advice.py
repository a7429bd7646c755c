"""Tables for the advice cog: seen history, community snippets, share cooldowns.

Revision ID: 0002_advice
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_advice"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advice_seen",
        sa.Column("community", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("snippet_id", sa.String(100), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "advice_snippets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(200), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("try_this_week", sa.Text, nullable=True),
        sa.Column("source_url", sa.String(500), nullable=True),
        sa.Column("source_name", sa.String(100), nullable=True),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_by_name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_advice_snippets_community", "advice_snippets", ["community"])
    op.create_table(
        "advice_shares",
        sa.Column("community", sa.String(200), primary_key=True),
        sa.Column("channel_id", sa.String(100), primary_key=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("snippet_id", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("advice_shares")
    op.drop_index("ix_advice_snippets_community", table_name="advice_snippets")
    op.drop_table("advice_snippets")
    op.drop_table("advice_seen")
