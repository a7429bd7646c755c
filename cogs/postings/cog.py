"""The postings cog: commands, buttons and forms. The work lives in review/deadlines/feeds.

The submit form (modals hold at most 5 fields):
  1. Title
  2. Organisation · where ("Apollo Research · London or remote"; split on the first
     " · ", " | ", " / ", " - ", ";" or ",")
  3. Link
  4. Deadline ("Dec 5", "2026-12-05 17:00 PT", "rolling")
  5. Short description (optional, up to 1,000 characters)
The kind (job, fellowship, program, grant, event, other) is a required option of the
command, so Discord offers it as a choice list: `postings submit kind:fellowship`,
and `anonymous:on` hides the submitter's name from members (moderators still see it).
Moderators edit with the same five fields (Edit button, or `postings edit <id>
[kind]` to change the kind too).
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.cog import Cog
from bot.core.commands import Option, command, every, on_click, on_submit
from bot.core.context import Ctx
from bot.core.events import Channel
from bot.core.replies import Card, Field, Form, FormField, Reply
from bot.core.timefmt import relative
from bot.errors import PermissionDenied, UserError
from bot.storage.settings import SettingSpec
from cogs.postings import render
from cogs.postings.deadlines import DIGEST_HOUR, DIGEST_MINUTE, Deadlines
from cogs.postings.feeds import FeedError, FeedFetcher, parse_feed
from cogs.postings.review import S_BLOCKED, S_FEED, S_REVIEW, S_ROLLING, S_THREADS, Desk
from cogs.postings.store import Duplicate, Feed, Posting, Store
from cogs.postings.validate import (
    KINDS,
    LIMITS,
    Deadline,
    Draft,
    LinkError,
    check_fields,
    check_kind,
    check_link,
    guess_kind,
)

if TYPE_CHECKING:
    from bot.app import App

FEED_EVERY = timedelta(minutes=30)
FEED_FAILURE_LIMIT = 5
FEED_NEW_ITEMS_LIMIT = 10
NOT_SET_UP = (
    "Postings aren't set up here yet. A community admin can run "
    "`postings setup review:#channel feed:#channel` to choose where they go."
)
BLOCKED = (
    "You can't submit postings here right now. If you think that's a mistake, ask a moderator."
)
REFUSALS = {
    "approve": "Only moderators can approve postings. If you think this one is good, a moderator will see it in the queue.",
    "reject": "Only moderators can reject postings. A moderator will see this one in the queue.",
    "edit": "Only moderators can edit postings. If something's wrong with this one, tell a moderator.",
}


def _rolling_days(value: object) -> int:
    try:
        days = int(str(value))
    except ValueError:
        raise UserError("`postings.rolling_days` takes a whole number of days.") from None
    if not 1 <= days <= 365:
        raise UserError("`postings.rolling_days` must be between 1 and 365.")
    return days


def _posting_id(value: str) -> int:
    try:
        return int(str(value).strip().lstrip("#"))
    except ValueError:
        raise UserError("That isn't a posting number; they look like #12.") from None


class PostingsCog(Cog):
    name = "postings"
    description = "Postings: jobs, fellowships and programs, reviewed by moderators"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.store = Store(app.db, app.clock)
        self.desk = Desk(app, self.store, self.action(""))
        self.deadlines = Deadlines(app, self.store, self.desk)
        # Tests swap in FeedFetcher(allow_hosts={"127.0.0.1"}); nothing else can.
        self.fetcher = FeedFetcher()

    async def setup(self) -> None:
        reg = self.app.settings.register
        reg(
            SettingSpec(
                "community", S_REVIEW, "", description="channel where moderators review postings"
            )
        )
        reg(
            SettingSpec(
                "community", S_FEED, "", description="channel where approved postings appear"
            )
        )
        reg(
            SettingSpec(
                "community",
                S_ROLLING,
                60,
                kind="int",
                description="days a rolling posting stays up unless renewed",
                validate=_rolling_days,
            )
        )
        reg(
            SettingSpec(
                "community",
                S_THREADS,
                True,
                kind="bool",
                description="open a thread for questions under each posting (Discord)",
            )
        )
        reg(
            SettingSpec(
                "community",
                S_BLOCKED,
                [],
                kind="list",
                description="user ids who may not submit postings (use postings block/unblock)",
            )
        )
        self.app.scheduler.on("postings.digest", self.deadlines.run_digest)

    async def teardown(self) -> None:
        self.app.scheduler.handlers.pop("postings.digest", None)

    # -- helpers ------------------------------------------------------------

    async def _is_mod(self, ctx: Ctx) -> bool:
        return await self.app.dispatcher.allowed(ctx, "moderator")

    async def _require_mod(self, ctx: Ctx, what: str) -> None:
        if not await self._is_mod(ctx):
            raise PermissionDenied(REFUSALS[what])

    async def _blocked(self, ctx: Ctx) -> bool:
        blocked = await self.desk.setting(ctx.community.key, S_BLOCKED) or []
        return ctx.user.id in blocked

    async def _posting(self, ctx: Ctx, value: str) -> Posting:
        p = await self.store.get(_posting_id(value))
        if p is None or p.community_key != ctx.community.key:
            raise UserError("I can't find that posting here; `postings list` shows the open ones.")
        return p

    async def _check(self, values: dict[str, str], kind: str, community_key: str) -> Draft:
        zone = await self.app.zone(community_key)
        draft, problems = await asyncio.to_thread(
            check_fields, values, kind, zone, self.app.clock.now()
        )
        if draft is None:
            if len(problems) == 1:
                raise UserError(f"{problems[0]} Nothing was saved.")
            listed = "\n".join(f"- {p}" for p in problems)
            raise UserError(f"I couldn't save that posting:\n{listed}\nNothing was saved.")
        return draft

    def _duplicate_message(self, existing: Posting, feed_channel: str) -> str:
        if existing.status == "live":
            where = self.desk.mention(feed_channel)
            return (
                f"That link was already submitted: it's posting #{existing.id}, live in {where}. "
                "No need to send it again."
            )
        return (
            f"That link was already submitted: it's posting #{existing.id}, waiting for a "
            "moderator. No need to send it again."
        )

    def _form(
        self, form: str, title: str, *, meta: str, p: Posting | None = None, zone_key: str = "UTC"
    ) -> Form:
        if p is not None and p.deadline is not None:
            local = p.deadline.astimezone(ZoneInfo(zone_key))
            deadline = f"{local:%Y-%m-%d %H:%M} {zone_key}"
        else:
            deadline = "rolling" if p is not None else ""
        org = ""
        if p is not None:
            org = f"{p.organisation} · {p.location}" if p.location else p.organisation
        return Form(
            self.action(form),
            title,
            (
                FormField(
                    "title",
                    "Title",
                    max_length=LIMITS["title"],
                    placeholder="e.g. Research Engineer, Interpretability",
                    default=p.title if p else "",
                ),
                FormField(
                    "org",
                    "Organisation · where",
                    max_length=LIMITS["org_line"],
                    placeholder="e.g. Apollo Research · London or remote",
                    default=org,
                ),
                FormField(
                    "link",
                    "Link",
                    max_length=LIMITS["link"],
                    placeholder="https://…",
                    default=p.link if p else "",
                ),
                FormField(
                    "deadline",
                    "Deadline",
                    max_length=LIMITS["deadline"],
                    placeholder="e.g. Dec 5, 2026-12-05 17:00 PT, or rolling",
                    default=deadline,
                ),
                FormField(
                    "description",
                    "Short description",
                    style="long",
                    required=False,
                    max_length=LIMITS["description"],
                    placeholder="What it is, who it's for, anything unusual about applying",
                    default=p.description if p else "",
                ),
            ),
            submit_label="Save" if p else "Send to moderators",
            meta=meta,
        )

    # -- setup ----------------------------------------------------------------

    @command(
        "postings setup",
        "Choose the moderators' review channel and the public feed channel",
        Option(
            "review", "channel where moderators review submissions", kind="channel", required=True
        ),
        Option("feed", "channel where approved postings appear", kind="channel", required=True),
        permission="admin",
    )
    async def setup_cmd(self, ctx: Ctx, review: Channel, feed: Channel) -> None:
        for ch in (review, feed):
            if await self.app.outbox.channel_info(ch.id) is None:
                raise UserError(
                    f"I can't see {self.app.outbox.mention_channel(ch.id)}. Invite me to it, then try again."
                )
        key = ctx.community.key
        await self.app.settings.set("community", key, S_REVIEW, review.id)
        await self.app.settings.set("community", key, S_FEED, feed.id)
        sched = await self.deadlines.ensure_digest(key)
        self.log.info("postings set up community=%s by=%s", key, ctx.user.key)
        await ctx.reply(
            Reply(
                f"Done. Submissions go to {self.app.outbox.mention_channel(review.id)} for moderators; "
                f"approved postings appear in {self.app.outbox.mention_channel(feed.id)}. "
                f'A "closing soon" digest goes out on Mondays at {DIGEST_HOUR:02d}:{DIGEST_MINUTE:02d} '
                f"({sched.timezone}).",
                private=True,
            )
        )

    # -- submitting -------------------------------------------------------------

    @command(
        "postings submit",
        "Share a job, fellowship, program, grant or event; moderators review it first",
        Option("kind", "what it is", required=True, choices=KINDS),
        Option(
            "anonymous", "hide your name from other members (moderators still see it)", kind="bool"
        ),
        opens_form=True,
    )
    async def submit(self, ctx: Ctx, kind: str, anonymous: bool = False) -> None:
        if not await self.desk.channel(ctx.community.key, S_REVIEW):
            raise UserError(NOT_SET_UP)
        if await self._blocked(ctx):
            raise UserError(BLOCKED)
        kind = check_kind(kind)
        meta = json.dumps({"kind": kind, "anonymous": bool(anonymous)})
        label = render.KIND_LABELS[kind].lower() if kind != "other" else "posting"
        await ctx.open_form(self._form("submit", f"Share a {label}", meta=meta))

    @on_submit("submit")
    async def submitted(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        try:
            state = json.loads(meta or "{}")
        except ValueError:
            state = {}
        kind = check_kind(str(state.get("kind", "other")))
        anonymous = bool(state.get("anonymous", False))
        key = ctx.community.key
        if not await self.desk.channel(key, S_REVIEW):
            raise UserError(NOT_SET_UP)
        if await self._blocked(ctx):
            raise UserError(BLOCKED)
        draft = await self._check(values, kind, key)
        feed_channel = await self.desk.channel(key, S_FEED)
        existing = await self.store.active_with_link(key, draft.link)
        if existing is not None:
            raise UserError(self._duplicate_message(existing, feed_channel))
        try:
            p = await self.store.add(
                key,
                draft,
                submitter_id=ctx.user.id,
                submitter_name=ctx.user.name,
                anonymous=anonymous,
            )
        except Duplicate as dup:
            raise UserError(self._duplicate_message(dup.existing, feed_channel)) from None
        self.log.info("posting submitted id=%s community=%s", p.id, key)
        # Saved (committed) above; now acknowledge, then show it to the moderators.
        hidden = " Other members won't see your name." if anonymous else ""
        await ctx.reply(
            Reply(
                f"Thanks! Posting #{p.id} is waiting for a moderator; I'll tell you what they decide.{hidden}",
                private=True,
            )
        )
        await self.desk.enqueue(p)

    # -- reviewing --------------------------------------------------------------

    def _already(self, p: Posting) -> str:
        who = render.neutral(p.decided_by_name or "another moderator", 80)
        when = ""
        if p.decided_at is not None:
            when = f" {relative(p.decided_at, self.app.clock.now())}"
        verb = {"live": "approved", "rejected": "rejected"}.get(p.status)
        if verb:
            return f"{who} already {verb} posting #{p.id}{when}, so nothing changed."
        return f"Posting #{p.id} is {p.status} now, so nothing changed."

    @on_click("approve")
    async def approve(self, ctx: Ctx, value: str) -> None:
        await self._require_mod(ctx, "approve")
        p = await self._posting(ctx, value)
        if p.status != "pending":
            raise UserError(self._already(p))
        if p.deadline is not None and p.deadline <= self.app.clock.now():
            raise UserError(
                f"Posting #{p.id}'s deadline has passed, so I won't post it. Edit the deadline or reject it."
            )
        feed_channel = await self.desk.channel(ctx.community.key, S_FEED)
        if not feed_channel:
            raise UserError(NOT_SET_UP)
        await ctx.defer(private=True)
        won = await self.store.decide(
            p.id, to="live", actor_id=ctx.user.id, actor_name=ctx.user.name
        )
        if not won:
            latest = await self.store.get(p.id)
            raise UserError(self._already(latest or p))
        self.log.info("posting approved id=%s by=%s", p.id, ctx.user.key)
        live = await self.store.get(p.id)
        assert live is not None
        ref = await self.desk.publish(live)
        await self.desk.refresh_queue_card(p.id)
        how = await self.desk.tell_submitter(live)
        where = self.desk.mention(feed_channel)
        text = f"Approved posting #{p.id}; " + (
            f"it's in {where} now." if ref else f"I'll post it in {where} shortly."
        )
        if how == "mine":
            text += " I couldn't reach the submitter privately; they'll see it in `postings mine`."
        await ctx.reply(Reply(text, private=True))

    @on_click("reject")
    async def reject(self, ctx: Ctx, value: str) -> None:
        await self._require_mod(ctx, "reject")
        p = await self._posting(ctx, value)
        if p.status != "pending":
            raise UserError(self._already(p))
        await ctx.open_form(
            Form(
                self.action("reject_reason"),
                f"Reject posting #{p.id}",
                (
                    FormField(
                        "reason",
                        "Reason (the submitter sees this)",
                        style="long",
                        max_length=LIMITS["reason"],
                        placeholder="e.g. The application closed last week.",
                    ),
                ),
                submit_label="Reject",
                meta=str(p.id),
            )
        )

    @on_submit("reject_reason")
    async def rejected(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        await self._require_mod(ctx, "reject")
        p = await self._posting(ctx, meta)
        reason = " ".join((values.get("reason") or "").split())
        if not reason:
            raise UserError("A reason is needed, so the submitter knows what to change.")
        if len(reason) > LIMITS["reason"]:
            raise UserError(
                f"The reason can be at most {LIMITS['reason']} characters; yours has {len(reason)}."
            )
        won = await self.store.decide(
            p.id, to="rejected", actor_id=ctx.user.id, actor_name=ctx.user.name, reason=reason
        )
        if not won:
            latest = await self.store.get(p.id)
            raise UserError(self._already(latest or p))
        self.log.info("posting rejected id=%s by=%s", p.id, ctx.user.key)
        done = await self.store.get(p.id)
        assert done is not None
        await ctx.reply(
            Reply(f"Rejected posting #{p.id}; I'm telling the submitter why.", private=True)
        )
        await self.desk.refresh_queue_card(p.id)
        how = await self.desk.tell_submitter(done)
        if how == "mine":
            await ctx.reply(
                Reply(
                    "I couldn't reach them privately; they'll see it in `postings mine`.",
                    private=True,
                )
            )

    async def _open_edit(self, ctx: Ctx, p: Posting, kind: str) -> None:
        if p.status not in ("pending", "live"):
            raise UserError(f"Posting #{p.id} is {p.status}, so it can't be edited.")
        zone = await self.app.zone(ctx.community.key)
        meta = json.dumps({"id": p.id, "kind": kind})
        await ctx.open_form(
            self._form("edit_form", f"Edit posting #{p.id}", meta=meta, p=p, zone_key=zone.key)
        )

    @on_click("edit")
    async def edit_click(self, ctx: Ctx, value: str) -> None:
        await self._require_mod(ctx, "edit")
        p = await self._posting(ctx, value)
        await self._open_edit(ctx, p, p.kind)

    @command(
        "postings edit",
        "Edit a pending or live posting (and change its kind)",
        Option("id", "posting number", kind="int", required=True, min_value=1),
        Option("kind", "new kind", choices=KINDS),
        permission="moderator",
        opens_form=True,
    )
    async def edit_cmd(self, ctx: Ctx, id: int, kind: str | None = None) -> None:
        p = await self._posting(ctx, str(id))
        await self._open_edit(ctx, p, check_kind(kind or p.kind))

    @on_submit("edit_form")
    async def edited(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        await self._require_mod(ctx, "edit")
        try:
            state = json.loads(meta or "{}")
        except ValueError:
            state = {}
        p = await self._posting(ctx, str(state.get("id", "")))
        kind = check_kind(str(state.get("kind", p.kind)))
        draft = await self._check(values, kind, ctx.community.key)
        feed_channel = await self.desk.channel(ctx.community.key, S_FEED)
        existing = await self.store.active_with_link(ctx.community.key, draft.link)
        if existing is not None and existing.id != p.id:
            raise UserError(self._duplicate_message(existing, feed_channel))
        try:
            ok = await self.store.edit(p.id, draft, actor_id=ctx.user.id, actor_name=ctx.user.name)
        except Duplicate as dup:
            raise UserError(self._duplicate_message(dup.existing, feed_channel)) from None
        if not ok:
            latest = await self.store.get(p.id)
            raise UserError(self._already(latest or p))
        self.log.info("posting edited id=%s by=%s", p.id, ctx.user.key)
        await ctx.reply(Reply(f"Saved your changes to posting #{p.id}.", private=True))
        await self.desk.refresh_queue_card(p.id)
        await self.desk.refresh_feed_card(p.id)

    # -- reading ------------------------------------------------------------------

    @command(
        "postings list",
        "Open postings, soonest deadline first",
        Option("kind", "only this kind", choices=KINDS),
        Option("closing_soon", "only those closing in the next 7 days", kind="bool"),
    )
    async def list_cmd(self, ctx: Ctx, kind: str | None = None, closing_soon: bool = False) -> None:
        key = ctx.community.key
        now = self.app.clock.now()
        items = await self.store.live(key, kind=kind)
        if closing_soon:
            items = [
                p for p in items if p.deadline is not None and p.deadline <= now + timedelta(days=7)
            ]
        label = f"{render.KIND_LABELS[kind].lower()}s" if kind and kind != "other" else "postings"
        title = f"Open {label}" + (" closing in the next 7 days" if closing_soon else "")
        zone = await self.app.zone(key)
        empty = "Nothing open right now. `postings submit` shares one with the moderators."
        await ctx.reply(
            Reply(cards=(render.list_card(title, items, zone, now, empty=empty),), private=True)
        )

    @command(
        "postings search",
        "Search open postings",
        Option("words", "what to look for", required=True, rest=True, max_length=200),
    )
    async def search_cmd(self, ctx: Ctx, words: str) -> None:
        key = ctx.community.key
        now = self.app.clock.now()
        items = await self.store.search(key, words)
        zone = await self.app.zone(key)
        title = f"Open postings matching “{render.neutral(words, 60)}”"
        empty = "No open postings match that. `postings list` shows them all."
        await ctx.reply(
            Reply(
                cards=(render.list_card(title, items, zone, now, empty=empty, limit=10),),
                private=True,
            )
        )

    @command("postings mine", "What happened to the postings you submitted")
    async def mine(self, ctx: Ctx) -> None:
        items = await self.store.by_submitter(ctx.community.key, ctx.user.id)
        if not items:
            await ctx.reply(Reply("You haven't submitted any postings here yet.", private=True))
            return
        feed_channel = await self.desk.channel(ctx.community.key, S_FEED)
        lines = []
        for p in items:
            state = {
                "pending": "waiting for a moderator",
                "live": f"approved, in {self.desk.mention(feed_channel)}",
                "rejected": "not approved: " + render.neutral(p.reason or "no reason given", 300),
                "closed": "closed (deadline passed)",
                "expired": "expired (rolling)",
            }.get(p.status, p.status)
            lines.append(f"- #{p.id} **{render.neutral(p.title, 100)}**: {state}")
        await ctx.reply(Reply(cards=(Card("Your postings", "\n".join(lines)),), private=True))

    # -- moderating -----------------------------------------------------------------

    @command("postings queue", "Postings waiting for review", permission="moderator")
    async def queue(self, ctx: Ctx) -> None:
        pending = await self.store.by_status(("pending",), community_key=ctx.community.key)
        if not pending:
            await ctx.reply(
                Reply("The queue is empty. Nothing is waiting for review.", private=True)
            )
            return
        zone = await self.app.zone(ctx.community.key)
        now = self.app.clock.now()
        shown = pending[:5]
        more = f" Showing the oldest {len(shown)}." if len(pending) > len(shown) else ""
        await ctx.reply(Reply(f"{len(pending)} waiting for review.{more}", private=True))
        for p in shown:
            feed = await self.store.feed(p.feed_id) if p.feed_id is not None else None
            card = render.queue_card(p, zone, now, feed=feed, action_prefix=self.action(""))
            await ctx.reply(Reply(cards=card.cards, buttons=card.buttons, private=True))

    @command(
        "postings renew",
        "Keep a rolling posting up for another stretch (or bring back an expired one)",
        Option("id", "posting number", kind="int", required=True, min_value=1),
        permission="moderator",
    )
    async def renew(self, ctx: Ctx, id: int) -> None:
        p = await self._posting(ctx, str(id))
        if not p.rolling:
            raise UserError(
                f"Posting #{p.id} has a fixed deadline, so there's nothing to renew; edit its deadline instead."
            )
        if not await self.store.renew(p.id, actor_id=ctx.user.id, actor_name=ctx.user.name):
            raise UserError(f"Posting #{p.id} is {p.status}, so it can't be renewed.")
        days = int(await self.desk.setting(ctx.community.key, S_ROLLING) or 60)
        await ctx.reply(
            Reply(f"Renewed posting #{p.id}: it stays up for another {days} days.", private=True)
        )
        await self.desk.refresh_queue_card(p.id)
        renewed = await self.store.get(p.id)
        if renewed is not None and renewed.feed_ref is None:
            await self.desk.publish(renewed)
        else:
            await self.desk.refresh_feed_card(p.id)

    @command(
        "postings block",
        "Stop a member from submitting postings",
        Option("user", "the member", kind="user", required=True),
        permission="moderator",
    )
    async def block(self, ctx: Ctx, user: str) -> None:
        key = ctx.community.key
        blocked = list(await self.desk.setting(key, S_BLOCKED) or [])
        if user not in blocked:
            blocked.append(user)
            await self.app.settings.set("community", key, S_BLOCKED, blocked)
        await self.store.record(
            key, "block", actor_id=ctx.user.id, actor_name=ctx.user.name, subject=user
        )
        await ctx.reply(
            Reply(
                f"Blocked {self.app.outbox.mention_user(user)} from submitting postings. "
                "Anything they already sent stays in the queue for you to decide.",
                private=True,
            )
        )

    @command(
        "postings unblock",
        "Let a member submit postings again",
        Option("user", "the member", kind="user", required=True),
        permission="moderator",
    )
    async def unblock(self, ctx: Ctx, user: str) -> None:
        key = ctx.community.key
        blocked = [u for u in (await self.desk.setting(key, S_BLOCKED) or []) if u != user]
        await self.app.settings.set("community", key, S_BLOCKED, blocked)
        await self.store.record(
            key, "unblock", actor_id=ctx.user.id, actor_name=ctx.user.name, subject=user
        )
        await ctx.reply(
            Reply(f"{self.app.outbox.mention_user(user)} can submit postings again.", private=True)
        )

    # -- feeds ----------------------------------------------------------------------

    @command(
        "postings feeds add",
        "Import an RSS or Atom feed; new items come to the review queue",
        Option("url", "the feed's address", required=True, max_length=LIMITS["link"]),
        permission="moderator",
    )
    async def feeds_add(self, ctx: Ctx, url: str) -> None:
        key = ctx.community.key
        if not await self.desk.channel(key, S_REVIEW):
            raise UserError(NOT_SET_UP)
        try:
            url = self.fetcher.check(url)
            normal = check_link(url, allow_hosts=self.fetcher.allow_hosts).url
        except LinkError as err:
            raise UserError(err.message.replace("post that link", "fetch that feed")) from None
        for feed in await self.store.feeds(community_key=key):
            try:
                known = check_link(feed.url, allow_hosts=self.fetcher.allow_hosts).url
            except LinkError:
                known = feed.url
            if known == normal:
                raise UserError(f"That feed is already here as feed #{feed.id}.")
        await ctx.defer(private=True)
        try:
            result = await self.fetcher.fetch(url)
            parsed = await asyncio.to_thread(parse_feed, result.body, result.url)
        except FeedError as err:
            raise UserError(
                f"I couldn't read that feed: {err.reason}. Nothing was added."
            ) from None
        feed = await self.store.add_feed(key, url, title=parsed.title or url, added_by=ctx.user.id)
        await self.store.update_feed(
            feed.id,
            etag=result.etag,
            last_modified=result.last_modified,
            checked_at=self.app.clock.now(),
        )
        # First fetch: remember what is already there, queue nothing (no flood).
        await self.store.mark_seen(feed.id, [item.link for item in parsed.items])
        await self.store.record(
            key,
            "feed_add",
            actor_id=ctx.user.id,
            actor_name=ctx.user.name,
            subject=url,
        )
        review = await self.desk.channel(key, S_REVIEW)
        await ctx.reply(
            Reply(
                f"Added feed #{feed.id} ({render.neutral(feed.title, 100)}). I noted its "
                f"{len(parsed.items)} current items and won't queue those; new ones will come to "
                f"{self.app.outbox.mention_channel(review)} for review. I check it every "
                f"{int(FEED_EVERY.total_seconds() // 60)} minutes.",
                private=True,
            )
        )

    @command("postings feeds list", "Feeds this community imports", permission="moderator")
    async def feeds_list(self, ctx: Ctx) -> None:
        feeds = await self.store.feeds(community_key=ctx.community.key)
        if not feeds:
            await ctx.reply(
                Reply("No feeds yet. `postings feeds add <url>` adds one.", private=True)
            )
            return
        now = self.app.clock.now()
        fields = []
        for f in feeds:
            state = "paused" if f.paused else "active"
            if f.failures:
                state += f", {f.failures} failed fetch{'es' if f.failures != 1 else ''} in a row"
                if f.last_error:
                    state += f" (last: {f.last_error})"
            checked = relative(f.checked_at, now) if f.checked_at else "never"
            fields.append(
                Field(
                    f"#{f.id} {render.neutral(f.title, 80)}",
                    f"{f.url}\n{state}; checked {checked}",
                    False,
                )
            )
        await ctx.reply(
            Reply(cards=(Card("Imported feeds", fields=tuple(fields[:25])),), private=True)
        )

    @command(
        "postings feeds remove",
        "Stop importing a feed",
        Option("id", "feed number", kind="int", required=True, min_value=1),
        permission="moderator",
    )
    async def feeds_remove(self, ctx: Ctx, id: int) -> None:
        feed = await self.store.feed(id)
        if feed is None or feed.community_key != ctx.community.key:
            raise UserError(
                "There's no feed with that number here; `postings feeds list` shows them."
            )
        await self.store.remove_feed(ctx.community.key, id)
        await self.store.record(
            ctx.community.key,
            "feed_remove",
            actor_id=ctx.user.id,
            actor_name=ctx.user.name,
            subject=feed.url,
        )
        await ctx.reply(
            Reply(
                f"Removed feed #{id}. Postings already imported from it stay as they are.",
                private=True,
            )
        )

    @command(
        "postings feeds resume",
        "Start checking a paused feed again",
        Option("id", "feed number", kind="int", required=True, min_value=1),
        permission="moderator",
    )
    async def feeds_resume(self, ctx: Ctx, id: int) -> None:
        feed = await self.store.feed(id)
        if feed is None or feed.community_key != ctx.community.key:
            raise UserError(
                "There's no feed with that number here; `postings feeds list` shows them."
            )
        await self.store.update_feed(id, paused=False, failures=0, last_error=None, checked_at=None)
        await ctx.reply(
            Reply(f"Feed #{id} is active again; I'll check it within a few minutes.", private=True)
        )

    async def check_feed(self, feed: Feed) -> list[Posting]:
        """Fetch one feed; queue items it has not shown before. Returns the new postings."""
        try:
            result = await self.fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified
            )
            if result.status == "not_modified":
                await self.store.update_feed(
                    feed.id, checked_at=self.app.clock.now(), failures=0, last_error=None
                )
                return []
            parsed = await asyncio.to_thread(parse_feed, result.body, result.url)
        except FeedError as err:
            self.log.warning("feed failed id=%s error=%s", feed.id, err.reason)
            paused = await self.store.feed_failed(feed.id, err.reason, FEED_FAILURE_LIMIT)
            if paused:
                await self.desk.notify_moderators(
                    feed.community_key,
                    f"I've paused feed #{feed.id} ({render.neutral(feed.title, 80)}): the last "
                    f"{FEED_FAILURE_LIMIT} fetches failed (latest: {err.reason}). "
                    f"`postings feeds resume {feed.id}` starts it again.",
                    key=f"feed-paused:{feed.id}:{self.app.clock.now().isoformat()}",
                )
            return []
        seen = await self.store.seen_links(feed.id)
        fresh = [item for item in parsed.items if item.link not in seen]
        queued: list[Posting] = []
        for item in fresh[:FEED_NEW_ITEMS_LIMIT]:
            draft = Draft(
                kind=guess_kind(item.title),
                title=" ".join(item.title.split())[: LIMITS["title"]],
                organisation=(feed.title or "")[: LIMITS["organisation"]],
                location="",
                link=item.link,
                deadline=Deadline(None, True, "rolling"),
                description=item.summary[: LIMITS["description"]],
            )
            try:
                p = await self.store.add(
                    feed.community_key,
                    draft,
                    submitter_id=f"feed:{feed.id}",
                    submitter_name=feed.title,
                    anonymous=False,
                    feed_id=feed.id,
                )
            except Duplicate:
                await self.store.mark_seen(feed.id, [item.link])
                continue
            await self.store.mark_seen(feed.id, [item.link], posting_id=p.id)
            queued.append(p)
            await self.desk.enqueue(p)
        # Beyond the per-fetch limit: remembered, not queued (a feed that reshuffles its links).
        await self.store.mark_seen(feed.id, [item.link for item in fresh[FEED_NEW_ITEMS_LIMIT:]])
        await self.store.update_feed(
            feed.id,
            etag=result.etag,
            last_modified=result.last_modified,
            checked_at=self.app.clock.now(),
            failures=0,
            last_error=None,
            title=(parsed.title or feed.title)[:300],
        )
        if queued:
            self.log.info("feed items queued feed=%s count=%d", feed.id, len(queued))
        return queued

    @every(300, first_after=30)
    async def poll_feeds(self) -> None:
        now = self.app.clock.now()
        for feed in await self.store.feeds(community_prefix=f"{self.app.outbox.platform}:"):
            if feed.paused:
                continue
            if feed.checked_at is not None and now - feed.checked_at < FEED_EVERY:
                continue
            await self.check_feed(feed)

    # -- the clock --------------------------------------------------------------------

    @every(60, first_after=10)
    async def sweep(self) -> None:
        await self.deadlines.sweep()
