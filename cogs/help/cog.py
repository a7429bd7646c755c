"""The help command."""

from __future__ import annotations

from bot.core.cog import Cog
from bot.core.commands import Option, command
from bot.core.context import Ctx
from bot.core.replies import Card, Field, Reply
from bot.core.usage import usage
from bot.errors import UserError


class HelpCog(Cog):
    name = "help"
    description = "What Coinflip can do"

    def _usage(self, path: str, platform: str) -> str:
        bound = self.app.registry.commands[path]
        return usage(
            bound.spec,
            platform,
            is_group=self.app.registry.is_group(path),
            slack_command=self.app.config.slack.command,
        )

    @command(
        "help",
        "List what I can do, or explain one command",
        Option("command", "a command name", rest=True),
    )
    async def help(self, ctx: Ctx, command: str | None = None) -> None:
        registry = self.app.registry
        allowed = [
            b
            for b in registry.sorted_commands()
            if await self.app.dispatcher.allowed(ctx, b.spec.permission)
        ]
        if command:
            wanted = " ".join(command.lower().lstrip("/").split())
            matches = [
                b for b in allowed if b.spec.path == wanted or b.spec.path.startswith(wanted + " ")
            ]
            if not matches:
                raise UserError(
                    f"I have no command called `{wanted[:40]}`. Type help to see them all."
                )
            found: list[Field] = []
            for b in matches:
                opts = "\n".join(
                    f"`{o.name}`{'' if o.required else ' (optional)'}: {o.description}"
                    for o in b.spec.options
                )
                found.append(
                    Field(
                        self._usage(b.spec.path, ctx.platform),
                        f"{b.spec.description}\n{opts}".strip(),
                        False,
                    )
                )
            await ctx.reply(
                Reply(cards=(Card(f"Help: {wanted}", fields=tuple(found[:25])),), private=True)
            )
            return
        groups: dict[str, list[str]] = {}
        for b in allowed:
            groups.setdefault(b.cog.description or b.cog.name, []).append(
                f"`{self._usage(b.spec.path, ctx.platform)}`: {b.spec.description}"
            )
        fields = tuple(
            Field(name if i == 0 else f"{name} (more)", chunk, False)
            for name, lines in groups.items()
            for i, chunk in enumerate(_chunks(lines, 1000))
        )
        await ctx.reply(
            Reply(
                cards=(
                    Card(
                        "Coinflip commands",
                        "Advice, weekly check-ins, postings and support for the AI safety career path.",
                        fields=fields[:25],
                        footer="Replies to you are private unless you choose to share.",
                    ),
                ),
                private=True,
            )
        )


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Join lines into blocks of at most `limit` characters (a card field's size)."""
    blocks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            blocks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(current)
    return blocks
