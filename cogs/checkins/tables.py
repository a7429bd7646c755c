"""Check-in tables (SQLAlchemy Core) on the shared metadata.

Migration `0003_checkins` creates exactly these; keep the two in step.
Week keys are ISO weeks in the community's zone ("2026-W49"); times are UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import metadata

# One row per community that runs check-ins: where and when the weekly thread goes.
setups = sa.Table(
    "checkin_setups",
    metadata,
    sa.Column("community_key", sa.String(200), primary_key=True),
    sa.Column("channel_id", sa.String(100), nullable=False),
    sa.Column("weekday", sa.Integer, nullable=False),  # 0 = Monday
    sa.Column("hour", sa.Integer, nullable=False),
    sa.Column("minute", sa.Integer, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    # NULL nudge_weekday: no nudges for this community.
    sa.Column("nudge_weekday", sa.Integer, nullable=True),
    sa.Column("nudge_hour", sa.Integer, nullable=True),
    sa.Column("nudge_minute", sa.Integer, nullable=True),
    sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
    # Who ran setup: they hear about a channel the bot cannot post in.
    sa.Column("admin_user_id", sa.String(100), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# The thread posted for a week, so replies in it can be matched.
weeks = sa.Table(
    "checkin_weeks",
    metadata,
    sa.Column("community_key", sa.String(200), primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
    sa.Column("channel_id", sa.String(100), nullable=False),
    sa.Column("message_id", sa.String(100), nullable=False),
    sa.Column("thread_id", sa.String(100), nullable=True),
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
)

# Member choices; both default off (nudges and appearing in recaps are opt-in).
members = sa.Table(
    "checkin_members",
    metadata,
    sa.Column("community_key", sa.String(200), primary_key=True),
    sa.Column("user_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("remind", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("show_streak", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# A member's week: did they set goals, report back, or take the week away.
entries = sa.Table(
    "checkin_entries",
    metadata,
    sa.Column("community_key", sa.String(200), primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
    sa.Column("user_id", sa.String(100), primary_key=True),
    sa.Column("goals_set_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("away", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Up to three goals per member and week. status: open | done | partly | not_yet.
goals = sa.Table(
    "checkin_goals",
    metadata,
    sa.Column("community_key", sa.String(200), primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
    sa.Column("user_id", sa.String(100), primary_key=True),
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("text", sa.String(200), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, server_default="open"),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Each progress report as it came in (a command, a form, or a reply in the thread).
reports = sa.Table(
    "checkin_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("community_key", sa.String(200), nullable=False),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("user_id", sa.String(100), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("text", sa.String(1000), nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_checkin_reports_week", "community_key", "week"),
)
