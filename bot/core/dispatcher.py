"""Turns neutral events into handler calls: parse options, check permissions, run.

This is the single error boundary: a `UserError` becomes a friendly private reply;
anything else is logged with context and the member gets a short apology.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.core.commands import CommandSpec, Option, Permission
from bot.core.context import Ctx
from bot.core.events import Channel, Incoming, User
from bot.core.registry import BoundCommand
from bot.core.replies import Reply
from bot.errors import PermissionDenied, UserError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.dispatch")

APOLOGY = "Sorry, something went wrong on my side. It's been logged; please try again in a minute."
TRUE_WORDS = {"yes", "y", "on", "true", "1", "enable", "enabled"}
FALSE_WORDS = {"no", "n", "off", "false", "0", "disable", "disabled"}
CHANNEL_REF = re.compile(r"^<#([A-Za-z0-9]+)(?:\|[^>]*)?>$")
USER_REF = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$")


def split_words(text: str) -> list[str]:
    """Split command text like a shell, but never fail on an odd quote."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def bind_text_options(spec: CommandSpec, words: list[str]) -> dict[str, str]:
    """Map `name:value` / `name=value` words and positional words onto a command's options.

    Once the words reach a rest-taking option, everything after is plain text, so
    "advice search a:b" searches for "a:b".
    """
    values: dict[str, str] = {}
    positional: list[str] = []
    by_name = {o.name: o for o in spec.options}
    for word in words:
        m = re.match(r"^([a-z_][a-z0-9_-]*)[:=](.*)$", word, re.IGNORECASE | re.DOTALL)
        name = m.group(1).lower().replace("-", "_") if m else ""
        if m and name in by_name and not _in_rest(spec, values, positional):
            values[name] = m.group(2)
        else:
            positional.append(word)
    free = [o for o in spec.options if o.name not in values]
    i = 0
    for n, opt in enumerate(free):
        if i >= len(positional):
            break
        later = n + 1 < len(free)
        if later and not (opt.required or opt.rest) and not _fits(opt, positional[i]):
            continue  # an optional number/choice left out: the word belongs to a later option
        if opt.rest:
            values[opt.name] = " ".join(positional[i:])
            i = len(positional)
            break
        values[opt.name] = positional[i]
        i += 1
    if i < len(positional):
        extra = " ".join(positional[i:])
        raise UserError(
            f"I didn't expect `{extra[:80]}` there. Try `help {spec.path}` for the options."
        )
    return values


def _fits(option: Option, word: str) -> bool:
    """Could `word` be a value of `option`? Only typed options can say no."""
    if option.kind == "int":
        return re.fullmatch(r"[+-]?\d+", word) is not None
    if option.kind == "bool":
        return word.lower() in TRUE_WORDS | FALSE_WORDS
    if option.choices:
        return word.lower() in {c.lower() for c in option.choices}
    return True


def _in_rest(spec: CommandSpec, named: dict[str, str], positional: list[str]) -> bool:
    """True once the positional words so far have started filling the rest option."""
    slots = 0
    for option in spec.options:
        if option.name in named:
            continue
        if option.rest:
            return len(positional) > slots
        slots += 1
    return False


def convert(option: Option, raw: Any) -> Any:
    """Check and convert one option value; raises UserError with a one-line fix."""
    if option.kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise UserError(f"`{option.name}` takes on or off; I got `{str(raw)[:40]}`.")
    if option.kind == "int":
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise UserError(
                f"`{option.name}` needs a whole number; I got `{str(raw)[:40]}`."
            ) from None
        if option.min_value is not None and value < option.min_value:
            raise UserError(f"`{option.name}` must be at least {option.min_value}.")
        if option.max_value is not None and value > option.max_value:
            raise UserError(f"`{option.name}` must be at most {option.max_value}.")
        return value
    if option.kind == "channel":
        if isinstance(raw, Channel):
            return raw
        text = str(raw).strip()
        m = CHANNEL_REF.match(text)
        return Channel(m.group(1) if m else text.lstrip("#"))
    if option.kind == "user":
        if isinstance(raw, User):
            return raw.id
        text = str(raw).strip()
        m = USER_REF.match(text)
        return m.group(1) if m else text.lstrip("@")
    text = str(raw).strip()
    if len(text) > option.max_length:
        raise UserError(
            f"`{option.name}` can be at most {option.max_length} characters; yours has {len(text)}."
        )
    if option.choices:
        for choice in option.choices:
            if choice.lower() == text.lower():
                return choice
        raise UserError(f"`{option.name}` must be one of: {', '.join(option.choices)}.")
    return text


def convert_all(spec: CommandSpec, raw: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for option in spec.options:
        value = raw.get(option.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if option.required:
                raise UserError(
                    f"`{option.name}` is missing: {option.description}. Try `help {spec.path}`."
                )
            continue
        kwargs[option.name] = convert(option, value)
    return kwargs


class Dispatcher:
    def __init__(self, app: App) -> None:
        self.app = app

    async def level(self, user: User, community_key: str) -> Permission:
        if user.is_admin or user.key in self.app.config.admins or user.platform == "console":
            return "admin"
        mods = await self.app.settings.get("community", community_key, "moderators.users")
        roles = await self.app.settings.get("community", community_key, "moderators.roles")
        if user.id in (mods or []) or set(user.roles) & set(roles or []):
            return "moderator"
        return "member"

    async def allowed(self, ctx: Ctx, needed: Permission) -> bool:
        if needed == "member":
            return True
        # One lookup per interaction: help checks every command against the same member.
        level = ctx.level
        if level is None:
            level = ctx.level = await self.level(ctx.user, ctx.community.key)
        return level == "admin" or (needed == "moderator" and level == "moderator")

    async def require(self, ctx: Ctx, needed: Permission, what: str = "do that") -> None:
        if not await self.allowed(ctx, needed):
            who = "community admins" if needed == "admin" else "moderators"
            raise PermissionDenied(f"Only {who} can {what}.")

    async def run_command(self, bound: BoundCommand, ctx: Ctx, raw: dict[str, Any]) -> None:
        spec = bound.spec

        async def call() -> None:
            kwargs = convert_all(spec, raw)
            await self.require(ctx, spec.permission, f"use `{spec.path}`")
            await bound.func(ctx, **kwargs)

        await self.guard(ctx, call, f"command={spec.path}")

    async def run_text(self, ctx: Ctx, text: str) -> bool:
        """Run `<command> args` typed as text (Slack, console). False if no command matched."""
        bound, rest = self.app.registry.match_words(split_words(text))
        if bound is None:
            return False

        async def call() -> None:
            raw = bind_text_options(bound.spec, rest)
            await self.run_command(bound, ctx, raw)

        await self.guard(ctx, call, f"command={bound.spec.path}")
        return True

    async def run_click(self, ctx: Ctx, action: str, value: str) -> None:
        handler = self.app.registry.clicks.get(action)
        if handler is None:
            await ctx.reply(
                Reply(
                    "That button is from an older version of me and no longer works.", private=True
                )
            )
            return
        await self.guard(ctx, lambda: handler(ctx, value), f"click={action}")

    async def run_submit(self, ctx: Ctx, form_id: str, values: dict[str, str], meta: str) -> None:
        handler = self.app.registry.forms.get(form_id)
        if handler is None:
            await ctx.reply(Reply("That form has expired; please start again.", private=True))
            return
        await self.guard(ctx, lambda: handler(ctx, values, meta), f"form={form_id}")

    async def run_listeners(self, event: str, ctx: Ctx, message: Incoming) -> None:
        for handler in list(self.app.registry.listeners.get(event, [])):
            try:
                await handler(ctx, message)
            except Exception:
                log.exception(
                    "listener failed event=%s community=%s channel=%s message=%s",
                    event,
                    message.community.key,
                    message.channel.id,
                    message.id,
                )

    async def guard(self, ctx: Ctx, call: Callable[[], Awaitable[Any]], what: str) -> None:
        try:
            await call()
        except UserError as err:
            await self._tell(ctx, Reply(err.message, private=err.private))
        except Exception:
            log.exception(
                "handler failed %s community=%s channel=%s user=%s",
                what,
                ctx.community.key,
                ctx.channel.id,
                ctx.user.key,
            )
            await self._tell(ctx, Reply(APOLOGY, private=True))

    async def _tell(self, ctx: Ctx, reply: Reply) -> None:
        try:
            await ctx.reply(reply)
        except Exception:
            log.exception("could not deliver error reply community=%s", ctx.community.key)
