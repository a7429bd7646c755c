"""The local console: a terminal chat with Coinflip, the default when no token is set."""

from bot.adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
