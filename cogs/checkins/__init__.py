"""Weekly check-ins: a thread each week, goals and progress, nudges, recaps, a chart."""

from cogs.checkins.cog import CheckinsCog

COG = CheckinsCog
