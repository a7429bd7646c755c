"""Slack adapter (slack-bolt)."""
