"""`/advice`, `/advice search`, `/topics`, `/resources`: sourced advice, served without repeats."""

from cogs.advice.cog import AdviceCog

COG = AdviceCog
