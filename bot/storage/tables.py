"""Table definitions (SQLAlchemy Core). Migrations in `migrations/versions` create them.

Each feature's tables live here too, so queries and migrations share one picture.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# A unique (job, period) row means "this happened": scheduled posts, reminders, event dedup.
claims = sa.Table(
    "claims",
    metadata,
    sa.Column("job", sa.String(200), primary_key=True),
    sa.Column("period", sa.String(200), primary_key=True),
    sa.Column("owner", sa.String(100), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="claimed"),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("scope", sa.String(20), primary_key=True),
    sa.Column("scope_id", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Persisted weekly schedules; the scheduler rebuilds its jobs from these at start.
schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("job_id", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("weekday", sa.Integer, nullable=False),  # 0 = Monday
    sa.Column("hour", sa.Integer, nullable=False),
    sa.Column("minute", sa.Integer, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
