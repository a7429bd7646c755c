"""Migration scripts, one per feature."""
