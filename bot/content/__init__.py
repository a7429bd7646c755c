"""Advice content: schema, loading and search over `advice/*.yaml`."""
