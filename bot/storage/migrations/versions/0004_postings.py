"""Tables for the postings cog (filled in by that feature).

Revision ID: 0004_postings
Revises: 0003_checkins
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_postings"
down_revision = "0003_checkins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
