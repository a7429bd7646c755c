"""Tables for the checkins cog: setups, weeks, members, entries, goals, reports.

Revision ID: 0003_checkins
Revises: 0002_advice
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_checkins"
down_revision = "0002_advice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_setups",
        sa.Column("community_key", sa.String(200), primary_key=True),
        sa.Column("channel_id", sa.String(100), nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("nudge_weekday", sa.Integer, nullable=True),
        sa.Column("nudge_hour", sa.Integer, nullable=True),
        sa.Column("nudge_minute", sa.Integer, nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admin_user_id", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checkin_weeks",
        sa.Column("community_key", sa.String(200), primary_key=True),
        sa.Column("week", sa.String(10), primary_key=True),
        sa.Column("channel_id", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("thread_id", sa.String(100), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "checkin_members",
        sa.Column("community_key", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("remind", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("show_streak", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checkin_entries",
        sa.Column("community_key", sa.String(200), primary_key=True),
        sa.Column("week", sa.String(10), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("goals_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("away", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checkin_goals",
        sa.Column("community_key", sa.String(200), primary_key=True),
        sa.Column("week", sa.String(10), primary_key=True),
        sa.Column("user_id", sa.String(100), primary_key=True),
        sa.Column("slot", sa.Integer, primary_key=True),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "checkin_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community_key", sa.String(200), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("user_id", sa.String(100), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("text", sa.String(1000), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_checkin_reports_week", "checkin_reports", ["community_key", "week"])


def downgrade() -> None:
    op.drop_index("ix_checkin_reports_week", table_name="checkin_reports")
    op.drop_table("checkin_reports")
    op.drop_table("checkin_goals")
    op.drop_table("checkin_entries")
    op.drop_table("checkin_members")
    op.drop_table("checkin_weeks")
    op.drop_table("checkin_setups")
