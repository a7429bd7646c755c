"""Tables of the encouragement cog, on the shared metadata so queries and migrations agree.

Created by migration `0005_encouragement`.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.storage.tables import metadata

# One row per member per community, written the first time we reply to them.
# `last_auto_at` drives the cooldown of automatic replies; `last_story` and `last_step`
# keep the next story and next step from repeating the one just shown.
encouragement_members = sa.Table(
    "encouragement_members",
    metadata,
    sa.Column("community", sa.String(120), primary_key=True),  # Community.key
    sa.Column("user_id", sa.String(120), primary_key=True),
    sa.Column("last_auto_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_story", sa.String(100), nullable=True),
    sa.Column("last_step", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
