"""`/help`: the command list, generated from the registry in each platform's syntax."""

from cogs.help.cog import HelpCog

COG = HelpCog
