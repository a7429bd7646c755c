"""Tables of the advice cog, on the shared metadata (migration 0002_advice creates them).

- `advice_seen`: which snippets a member has been shown, per community, for no-repeats.
- `advice_snippets`: snippets a community's moderators added; only that community sees them.
- `advice_shares`: when a channel last got a shared snippet, for the share cooldown.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import metadata

advice_seen = sa.Table(
    "advice_seen",
    metadata,
    sa.Column("community", sa.String(200), primary_key=True),
    sa.Column("user_id", sa.String(100), primary_key=True),
    sa.Column("snippet_id", sa.String(100), primary_key=True),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    # Order of showing per member (clocks can tie), so a new round never opens with the last one.
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
)

advice_snippets = sa.Table(
    "advice_snippets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("try_this_week", sa.Text, nullable=True),
    # Exactly one of these is set: a http(s) link, or the name after "community:".
    sa.Column("source_url", sa.String(500), nullable=True),
    sa.Column("source_name", sa.String(100), nullable=True),
    sa.Column("added_by", sa.String(100), nullable=False),
    sa.Column("added_by_name", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

advice_shares = sa.Table(
    "advice_shares",
    metadata,
    sa.Column("community", sa.String(200), primary_key=True),
    sa.Column("channel_id", sa.String(100), primary_key=True),
    sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_id", sa.String(100), nullable=False),
    sa.Column("snippet_id", sa.String(100), nullable=False),
)
