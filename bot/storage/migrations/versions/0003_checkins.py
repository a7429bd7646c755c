"""Tables for the checkins cog (filled in by that feature).

Revision ID: 0003_checkins
Revises: 0002_advice
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_checkins"
down_revision = "0002_advice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
