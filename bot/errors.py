"""Error types: `UserError` is safe to show in chat; anything else is a bug."""

from __future__ import annotations


class UserError(Exception):
    """A problem the member can fix; its message is shown to them as is.

    The message should say what happened and what to do next, in one sentence.
    """

    def __init__(self, message: str, *, private: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.private = private


class PermissionDenied(UserError):
    """The member lacks the right to do this."""


class ConfigError(Exception):
    """The configuration is broken; `key` names the offending setting."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class ContentError(Exception):
    """A content file failed validation; the message names file, line and reason."""
