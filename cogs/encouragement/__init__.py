"""Encouragement: notice rejections and offer a kind word."""

from cogs.encouragement.cog import EncouragementCog

COG = EncouragementCog
