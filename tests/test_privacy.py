"""`/privacy delete` on Discord: only the member's own data, only by the member."""

from __future__ import annotations

from cogs.admin import AdminCog
from cogs.encouragement import COG as EncouragementCog
from cogs.help import HelpCog
from tests.discord_harness import running_discord


async def test_member_deletes_own_data_and_nobody_else_can(app_factory):
    app = await app_factory(cogs=[HelpCog, AdminCog, EncouragementCog])
    async with running_discord(app) as dc:
        key = f"discord:{dc.guild_id}"
        await dc.slash("encourage off")
        scope = f"{key}/{dc.member}"
        assert await app.settings.all("user", scope) != await app.settings.all("user", "nobody")

        offer = await dc.slash("privacy delete")
        assert offer.ephemeral and "can't be undone" in offer.text
        stranger = await dc.click(offer, "Delete my data", user=dc.admin)
        assert "for someone else" in stranger.text
        assert await app.settings.all("user", scope) != await app.settings.all("user", "nobody")

        done = await dc.click(offer, "Delete my data")
        assert "deleted what I kept about you" in done.text
        assert await app.settings.all("user", scope) == await app.settings.all("user", "nobody")
