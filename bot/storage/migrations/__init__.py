"""Alembic migrations, applied at start-up."""
