"""Tables for the postings cog: postings, decisions, feeds, feed items.

Mirrors `cogs/postings/tables.py` (a test compares the two).

Revision ID: 0004_postings
Revises: 0003_checkins
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_postings"
down_revision = "0003_checkins"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('pending', 'live')"


def upgrade() -> None:
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
        sa.Column("location", sa.String(200), nullable=False, server_default=""),
        sa.Column("link", sa.String(600), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_text", sa.String(120), nullable=False, server_default=""),
        sa.Column("rolling", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("submitter_id", sa.String(100), nullable=False),
        sa.Column("submitter_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("feed_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_by_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("live_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queue_ref", sa.JSON, nullable=True),
        sa.Column("feed_ref", sa.JSON, nullable=True),
        sa.Column("feed_card_closed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("told", sa.String(20), nullable=True),
    )
    op.create_index(
        "uq_postings_active_link",
        "postings",
        ["community_key", "link"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index("ix_postings_status", "postings", ["status", "community_key"])
    op.create_table(
        "posting_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community_key", sa.String(200), nullable=False),
        sa.Column("posting_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("subject", sa.String(600), nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_posting_decisions_posting", "posting_decisions", ["posting_id"])
    op.create_table(
        "posting_feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community_key", sa.String(200), nullable=False),
        sa.Column("url", sa.String(600), nullable=False),
        sa.Column("title", sa.String(300), nullable=False, server_default=""),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(300), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("community_key", "url", name="uq_posting_feeds_url"),
    )
    op.create_table(
        "posting_feed_items",
        sa.Column(
            "feed_id",
            sa.Integer,
            sa.ForeignKey("posting_feeds.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("link", sa.String(600), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posting_id", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("posting_feed_items")
    op.drop_table("posting_feeds")
    op.drop_index("ix_posting_decisions_posting", table_name="posting_decisions")
    op.drop_table("posting_decisions")
    op.drop_index("ix_postings_status", table_name="postings")
    op.drop_index("uq_postings_active_link", table_name="postings")
    op.drop_table("postings")
