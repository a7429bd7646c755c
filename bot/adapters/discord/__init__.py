"""Discord adapter (discord.py): slash commands from the registry, buttons, modals, threads."""

from bot.adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
