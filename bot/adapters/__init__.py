"""Platform adapters: console, Discord, Slack. Each imports bot.core and its own SDK, never a cog."""
