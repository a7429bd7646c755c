"""Postings tables (SQLAlchemy Core, on the shared metadata). Migration 0004 creates them.

Times are UTC. SQLite hands them back naive; `store.utc()` re-attaches UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import metadata

# Statuses: pending -> live | rejected; live -> closed (deadline) | expired (rolling age).
ACTIVE = ("pending", "live")

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_key", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("organisation", sa.String(200), nullable=False, server_default=""),
    sa.Column("location", sa.String(200), nullable=False, server_default=""),
    sa.Column("link", sa.String(600), nullable=False),  # normalised
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deadline_text", sa.String(120), nullable=False, server_default=""),
    sa.Column("rolling", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("submitter_id", sa.String(100), nullable=False),
    sa.Column("submitter_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("feed_id", sa.Integer, nullable=True),  # set when imported from a feed
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(100), nullable=True),
    sa.Column("decided_by_name", sa.String(200), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("live_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("renewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    # Where the queue card and the feed card live (a MessageRef as JSON).
    sa.Column("queue_ref", sa.JSON, nullable=True),
    sa.Column("feed_ref", sa.JSON, nullable=True),
    sa.Column("feed_card_closed", sa.Boolean, nullable=False, server_default=sa.false()),
    # How the submitter heard the outcome: dm | private | mine (kept for `postings mine`).
    sa.Column("told", sa.String(20), nullable=True),
)
# One active posting per link per community; rejected or ended ones may come back.
sa.Index(
    "uq_postings_active_link",
    postings.c.community_key,
    postings.c.link,
    unique=True,
    sqlite_where=sa.text("status IN ('pending', 'live')"),
    postgresql_where=sa.text("status IN ('pending', 'live')"),
)
sa.Index("ix_postings_status", postings.c.status, postings.c.community_key)

# Every moderator decision: approve, reject, edit, renew, block, unblock, feed add/remove.
posting_decisions = sa.Table(
    "posting_decisions",
    metadata,
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
sa.Index("ix_posting_decisions_posting", posting_decisions.c.posting_id)

posting_feeds = sa.Table(
    "posting_feeds",
    metadata,
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

# Links a feed has shown us; the first fetch fills this without queuing anything.
posting_feed_items = sa.Table(
    "posting_feed_items",
    metadata,
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
