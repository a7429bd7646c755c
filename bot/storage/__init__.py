"""Persistence: SQLAlchemy Core over SQLite (default) or PostgreSQL, Alembic migrations, settings."""
