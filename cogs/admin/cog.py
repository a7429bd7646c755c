"""Admin commands: show and change community settings; health."""

from __future__ import annotations

import json

from bot.core.cog import Cog
from bot.core.commands import Option, command, on_click
from bot.core.context import Ctx
from bot.core.replies import Button, Card, Field, Reply
from bot.errors import UserError


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == "":
        return "(not set)"
    return json.dumps(value) if isinstance(value, dict) else str(value)


class AdminCog(Cog):
    name = "admin"
    description = "Settings and health"

    @command("config show", "Show this community's settings", permission="admin")
    async def config_show(self, ctx: Ctx) -> None:
        values = await self.app.settings.all("community", ctx.community.key)
        specs = {
            key: spec
            for (scope, key), spec in self.app.settings.specs.items()
            if scope == "community"
        }
        lines = [
            f"`{key}` = {_show(values[key])}: {specs[key].description}"
            for key in sorted(values)
            if specs[key].editable
        ]
        await ctx.reply(Reply(cards=(Card("Settings", "\n".join(lines)[:4000]),), private=True))

    @command(
        "config set",
        "Change a community setting",
        Option("key", "setting name (see config show)", required=True, max_length=100),
        Option("value", "new value", required=True, rest=True, max_length=500),
        permission="admin",
    )
    async def config_set(self, ctx: Ctx, key: str, value: str) -> None:
        spec = self.app.settings.specs.get(("community", key))
        if spec is None or not spec.editable:
            raise UserError(f"There is no setting called `{key[:60]}`. `config show` lists them.")
        parsed = self.app.settings.parse("community", key, value)
        await self.app.settings.set("community", ctx.community.key, key, parsed)
        self.log.info(
            "setting changed community=%s key=%s by=%s", ctx.community.key, key, ctx.user.key
        )
        await ctx.reply(Reply(f"Done: `{key}` is now {_show(parsed)}.", private=True))

    @command("health", "Version, uptime, database and scheduler state")
    async def health(self, ctx: Ctx) -> None:
        db_ok = await self.app.db.ping()
        sched = self.app.scheduler.state()
        uptime = int(self.app.uptime())
        hours, rest = divmod(uptime, 3600)
        fields = (
            Field("Version", self.app.version),
            Field("Uptime", f"{hours}h {rest // 60}m {rest % 60}s"),
            Field(
                "Database",
                ("ok" if db_ok else "NOT reachable")
                + f" ({'SQLite' if self.app.db.is_sqlite else 'PostgreSQL'})",
            ),
            Field(
                "Scheduler",
                ("running" if sched["running"] else "stopped")
                + f", {sched['jobs']} jobs, {sched['weekly']} weekly",
            ),
            Field("Platform", ctx.platform),
            Field("Cogs", ", ".join(sorted(self.app.registry.loaded)), False),
        )
        await ctx.reply(
            Reply(
                cards=(
                    Card("Coinflip health", fields=fields, colour="success" if db_ok else "danger"),
                ),
                private=True,
            )
        )

    @command("privacy delete", "Delete what Coinflip keeps about you in this community")
    async def privacy_delete(self, ctx: Ctx) -> None:
        await ctx.reply(
            Reply(
                "This deletes your check-in goals, reports and streak, your advice history and "
                "your reply preferences here. Postings you submitted stay up, since moderators "
                "published them; ask a moderator to remove one. It can't be undone.",
                buttons=(
                    Button("Delete my data", self.action("forget"), ctx.user.id, style="danger"),
                    Button("Keep it", self.action("keep"), ctx.user.id),
                ),
                private=True,
            )
        )

    @on_click("forget")
    async def forget(self, ctx: Ctx, value: str) -> None:
        if value != ctx.user.id:
            raise UserError(
                "That button was for someone else; use `privacy delete` for your own data."
            )
        await self.app.forget_member(ctx.community.key, ctx.user.id)
        await ctx.reply(
            Reply("Done: I've deleted what I kept about you here.", private=True, replace=True)
        )

    @on_click("keep")
    async def keep(self, ctx: Ctx, value: str) -> None:
        await ctx.reply(Reply("OK, nothing was deleted.", private=True, replace=True))
