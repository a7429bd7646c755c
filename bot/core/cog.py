"""Base class for features. A cog package exports its class as `COG`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from bot.app import App


class Cog:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, app: App) -> None:
        self.app = app
        self.log = logging.getLogger(f"coinflip.cogs.{self.name}")

    def action(self, local: str) -> str:
        """The full id of one of this cog's buttons or forms."""
        return f"{self.name}:{local}"

    async def setup(self) -> None:
        """Register settings, rebuild jobs. Raise to refuse loading."""

    async def teardown(self) -> None:
        """Release what setup took."""

    async def forget_member(self, community_key: str, user_id: str) -> None:
        """Delete what this cog keeps about one member of one community (on their request)."""
