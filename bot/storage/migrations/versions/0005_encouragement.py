"""Tables for the encouragement cog (filled in by that feature).

Revision ID: 0005_encouragement
Revises: 0004_postings
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_encouragement"
down_revision = "0004_postings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
