"""`/config` and `/health`: community settings for admins, and the bot's own state."""

from cogs.admin.cog import AdminCog

COG = AdminCog
