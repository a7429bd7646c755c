"""The advice cog: `/advice`, `/advice search`, `/topics`, `/resources`, and community
snippets that moderators add with `/advice add`."""

from __future__ import annotations

import difflib
import hashlib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast, get_args
from urllib.parse import urlsplit

from bot.content.schema import ResourceKind, Topic
from bot.content.search import SearchDoc, SearchIndex, load_synonyms, snippet_doc, topic_index
from bot.core.cog import Cog
from bot.core.commands import Option, command, every, on_click, on_submit
from bot.core.context import Ctx
from bot.core.outbox import DeliveryError
from bot.core.replies import Button, Form, FormField, Reply
from bot.core.safety import clip, defuse_mentions
from bot.core.timefmt import show_time
from bot.errors import UserError
from bot.storage.settings import SettingSpec
from cogs.advice import render
from cogs.advice.render import Advice
from cogs.advice.store import AdviceStore, CommunitySnippet, parse_community_id

if TYPE_CHECKING:
    from bot.app import App

COOLDOWN_SETTING = "advice.share_cooldown_minutes"
RESOURCE_KINDS: tuple[str, ...] = get_args(ResourceKind)
SEARCH_LIMIT = 5
TITLE_LIMITS = (3, 120)
BODY_LIMITS = (20, 700)
TRY_LIMIT = 300
SOURCE_NAME_LIMIT = 80
MAX_TOPICS = 3


def _cooldown_minutes(value: object) -> int:
    try:
        minutes = int(str(value))
    except ValueError:
        raise UserError("The share cooldown is a whole number of minutes, like 10.") from None
    if not 0 <= minutes <= 24 * 60:
        raise UserError("The share cooldown can be 0 (no limit) to 1440 minutes (a day).")
    return minutes


@dataclass(frozen=True)
class Draft:
    """A community snippet that passed validation, ready to store."""

    title: str
    body: str
    topics: tuple[str, ...]
    try_this_week: str | None
    source_url: str | None
    source_name: str | None


class AdviceCog(Cog):
    name = "advice"
    description = "Advice from people who made the move into AI safety"

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.store = AdviceStore(app.db)
        self.rng = random.Random()
        self.library: dict[str, Advice] = {}
        self.community: dict[str, dict[str, Advice]] = {}  # community key -> id -> advice
        self.index = SearchIndex((), synonyms={})
        self.topic_index = SearchIndex((), synonyms={})
        # Form answers that failed validation, so "Try again" does not lose them.
        self.drafts: dict[tuple[str, str], dict[str, str]] = {}

    # -- set-up ------------------------------------------------------------------

    async def forget_member(self, community_key: str, user_id: str) -> None:
        await self.store.forget_member(community_key, user_id)

    async def setup(self) -> None:
        self.app.settings.register(
            SettingSpec(
                "community",
                COOLDOWN_SETTING,
                10,
                kind="int",
                description="minutes between shared advice posts in one channel (0 = no limit)",
                validate=_cooldown_minutes,
            )
        )
        content = self.app.content
        path = self.app.content_dir / "synonyms.yaml"
        synonyms = load_synonyms(path) if path.is_file() else {}
        self.library = {
            s.id: render.from_snippet(s, content.sources) for s in content.snippets.values()
        }
        self.index = SearchIndex((snippet_doc(s) for s in content.snippets.values()), synonyms)
        # cast: the index's protocol wants plain attributes, Topic's are frozen fields
        self.topic_index = topic_index(cast(Any, content.topics), synonyms)
        clashes = [i for i in self.library if parse_community_id(i) is not None]
        if clashes:
            raise RuntimeError(f"library ids {clashes} look like community advice ids (c<number>)")
        self.community = {}
        for snippet in await self.store.community_snippets():
            self._remember(snippet)
        self.log.info(
            "advice ready library=%d community=%d topics=%d",
            len(self.library),
            sum(len(v) for v in self.community.values()),
            len(self.topics),
        )

    @every(120, first_after=120)
    async def refresh(self) -> None:
        """Pick up community advice that another instance added or removed."""
        stored = {s.id: s for s in await self.store.community_snippets()}
        known = {i: key for key, items in self.community.items() for i in items}
        for advice_id, key in known.items():
            if advice_id not in stored:
                self._forget(key, advice_id)
        for advice_id, snippet in stored.items():
            if advice_id not in known:
                self._remember(snippet)

    @property
    def topics(self) -> Mapping[str, Topic]:
        return self.app.content.topics

    def _remember(self, snippet: CommunitySnippet) -> Advice:
        advice = render.from_community(snippet)
        self.community.setdefault(snippet.community, {})[advice.id] = advice
        body = snippet.body + (f"\n{snippet.try_this_week}" if snippet.try_this_week else "")
        self.index.add(SearchDoc(advice.id, snippet.title, body, snippet.topics))
        return advice

    def _forget(self, community: str, advice_id: str) -> None:
        self.community.get(community, {}).pop(advice_id, None)
        self.index.remove(advice_id)

    def typed(self, ctx: Ctx, path: str, *, code: bool = True, **options: str) -> str:
        """How a member types a command here, in backticks unless `code` is False."""
        text = self.app.typed(path, platform=ctx.platform, **options)
        return f"`{text}`" if code else text

    # -- lookups -------------------------------------------------------------------

    def lookup(self, community: str, advice_id: str) -> Advice | None:
        return self.library.get(advice_id) or self.community.get(community, {}).get(advice_id)

    def visible(self, community: str) -> dict[str, Advice]:
        """Everything a community sees: the bundled library plus its own snippets."""
        return {**self.library, **self.community.get(community, {})}

    def pool(self, community: str, topic: str | None) -> list[str]:
        return [
            a.id for a in self.visible(community).values() if topic is None or topic in a.topics
        ]

    def resolve_topic(self, text: str) -> str | None:
        """A slug from a slug, a title or an alias, ignoring case and spacing."""
        words = " ".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
        slug = words.replace(" ", "-")
        if slug in self.topics:
            return slug
        for topic in self.topics.values():
            names = [topic.title, *topic.aliases]
            if any(" ".join(n.lower().replace("-", " ").split()) == words for n in names):
                return topic.slug
        return None

    def closest_topics(self, text: str, limit: int = 3) -> list[str]:
        """Topic slugs nearest to some words: ranked search first, then spelling."""
        found = [hit.id for hit in self.topic_index.search(text, limit=limit)]
        if found:
            return found
        names = {t.slug: t.slug for t in self.topics.values()}
        names.update({t.title.lower(): t.slug for t in self.topics.values()})
        close = difflib.get_close_matches(text.strip().lower(), list(names), n=limit, cutoff=0.5)
        return list(dict.fromkeys(names[c] for c in close))

    async def complete_topic(self, ctx: object, partial: str) -> list[str]:
        """Autocomplete for `topic`: slugs whose slug, title or alias matches what is typed."""
        p = partial.strip().lower()
        if not p:
            return list(self.topics)[:25]
        starts, contains = [], []
        for topic in self.topics.values():
            names = [topic.slug, topic.title.lower(), *(a.lower() for a in topic.aliases)]
            if any(n.startswith(p) for n in names):
                starts.append(topic.slug)
            elif any(p in n for n in names):
                contains.append(topic.slug)
        found = starts + contains
        if not found:
            found = self.closest_topics(partial, limit=5)
        return found[:25]

    # -- serving advice ----------------------------------------------------------------

    async def _pick(self, ctx: Ctx, pool: list[str]) -> tuple[str, bool]:
        """An id from `pool` this member has not been shown; (id, started_over)."""
        key, user = ctx.community.key, ctx.user.id
        seen = await self.store.seen(key, user)
        fresh = [i for i in pool if i not in seen]
        started_over = False
        if not fresh:
            started_over = True
            last = max(pool, key=lambda i: seen[i])
            await self.store.forget_seen(key, user, pool)
            fresh = [i for i in pool if i != last] or pool
        choice = self.rng.choice(fresh)
        await self.store.mark_seen(key, user, choice, self.app.clock.now())
        return choice, started_over

    async def serve(self, ctx: Ctx, topic: str | None) -> None:
        pool = self.pool(ctx.community.key, topic)
        if not pool:
            await ctx.reply(
                Reply(
                    f"I have no advice on that topic yet. {self.typed(ctx, 'topics')} lists what there is.",
                    private=True,
                )
            )
            return
        advice_id, started_over = await self._pick(ctx, pool)
        text = ""
        if started_over:
            on = f" on {render.topic_title(topic, self.topics)}" if topic else ""
            text = f"You've seen all {len(pool)} pieces of advice{on}, so I'm starting over."
        advice = self.visible(ctx.community.key)[advice_id]
        await ctx.reply(
            render.advice_reply(advice, self.topics, another_topic=topic or "", text=text)
        )

    async def unknown_topic(self, ctx: Ctx, text: str) -> None:
        close = self.closest_topics(text)
        shown = f"`{text.strip()[:40]}`"
        if close:
            message = (
                f"I don't have a topic called {shown}. Closest: "
                f"{render.topic_names(close, self.topics)}. {self.typed(ctx, 'topics')} lists them all."
            )
        else:
            message = (
                f"I don't have a topic called {shown}. {self.typed(ctx, 'topics')} lists them "
                f"all, or try {self.typed(ctx, 'advice search', words=' '.join(text.split())[:40].replace('`', ''))}."
            )
        await ctx.reply(
            Reply(message, buttons=render.topic_buttons(close, self.topics), private=True)
        )

    @command(
        "advice",
        "A piece of advice you haven't seen yet, on any topic or one you pick",
        Option(
            "topic",
            "a topic, like interviews or rejection (topics lists them)",
            autocomplete="complete_topic",
            max_length=60,
        ),
    )
    async def advice(self, ctx: Ctx, topic: str | None = None) -> None:
        slug = None
        if topic:
            slug = self.resolve_topic(topic)
            if slug is None:
                await self.unknown_topic(ctx, topic)
                return
        await self.serve(ctx, slug)

    @command(
        "advice search",
        "Search the advice library",
        Option(
            "words",
            "what you want advice on, in your own words",
            required=True,
            rest=True,
            max_length=300,
        ),
    )
    async def search(self, ctx: Ctx, words: str) -> None:
        key = ctx.community.key
        visible = self.visible(key)
        hits = self.index.search(words, limit=SEARCH_LIMIT, only=visible.__contains__)
        if hits:
            top, *more = (visible[h.id] for h in hits)
            await ctx.reply(render.search_reply(words, top, more, self.topics))
            return
        close = self.closest_topics(words)
        quoted = f"“{clip(words, 60)}”"
        if close:
            message = (
                f"Nothing in the library matches {quoted} closely. The nearest topics are "
                f"{render.topic_names(close, self.topics)}; pick one below, or try other words."
            )
        else:
            close = list(self.topics)[:3]
            message = (
                f"Nothing in the library matches {quoted}. Try other words, or start "
                f"with one of these topics; {self.typed(ctx, 'topics')} lists them all."
            )
        await ctx.reply(
            Reply(
                defuse_mentions(message),
                buttons=render.topic_buttons(close, self.topics),
                private=True,
            )
        )

    @command("topics", "Advice topics, with how many pieces each has")
    async def topics_command(self, ctx: Ctx) -> None:
        counts: dict[str, int] = {}
        for advice in self.visible(ctx.community.key).values():
            for t in advice.topics:
                counts[t] = counts.get(t, 0) + 1
        await ctx.reply(
            Reply(
                cards=(
                    render.topics_card(
                        self.topics,
                        counts,
                        footer=(
                            "Pick one with "
                            f"{self.typed(ctx, 'advice', code=False, topic='<slug>')}, "
                            "or search with "
                            f"{self.typed(ctx, 'advice search', code=False, words='<words>')}."
                        ),
                    ),
                ),
                private=True,
            )
        )

    @command(
        "resources",
        "Programs, hubs and job boards, with links",
        Option("kind", "only one kind, like program or hub", choices=RESOURCE_KINDS),
    )
    async def resources(self, ctx: Ctx, kind: str | None = None) -> None:
        items = [r for r in self.app.content.resources.values() if kind is None or r.kind == kind]
        if not items:
            await ctx.reply(
                Reply(
                    f"I have no resources of kind `{kind}` yet. "
                    f"{self.typed(ctx, 'resources')} lists everything.",
                    private=True,
                )
            )
            return
        await ctx.reply(
            Reply(cards=render.resources_cards(items, kind, RESOURCE_KINDS), private=True)
        )

    # -- buttons ---------------------------------------------------------------------

    @on_click("another")
    async def click_another(self, ctx: Ctx, value: str) -> None:
        await self.serve(ctx, value if value in self.topics else None)

    @on_click("topic")
    async def click_topic(self, ctx: Ctx, value: str) -> None:
        if value in self.topics:
            await self.serve(ctx, value)
        else:
            await self.unknown_topic(ctx, value)

    @on_click("show")
    async def click_show(self, ctx: Ctx, value: str) -> None:
        advice = self.lookup(ctx.community.key, value)
        if advice is None:
            raise UserError(
                f"That advice has been removed. {self.typed(ctx, 'advice')} finds you another."
            )
        await ctx.reply(render.advice_reply(advice, self.topics))

    @on_click("share")
    async def click_share(self, ctx: Ctx, value: str) -> None:
        key = ctx.community.key
        advice = self.lookup(key, value)
        if advice is None:
            raise UserError("That advice has been removed, so I can't share it.")
        if ctx.channel.is_dm:
            raise UserError(
                "Here in our private chat only you would see it. "
                "Ask for advice in a channel and share it from there."
            )
        now = self.app.clock.now()
        minutes = int(await self.app.settings.get("community", key, COOLDOWN_SETTING))
        if minutes > 0:
            free_at = await self.store.claim_share(
                key,
                ctx.channel.id,
                user_id=ctx.user.id,
                snippet_id=advice.id,
                now=now,
                cooldown=timedelta(minutes=minutes),
            )
            if free_at is not None:
                when = show_time(
                    free_at, await self.app.zone(key), now, discord=ctx.supports("timestamps")
                )
                raise UserError(
                    "Advice was shared in this channel a little while ago, and I keep shares "
                    f"{minutes} minutes apart so the channel stays calm. "
                    f"You can share this one from {when}."
                )
        nonce = hashlib.sha256(
            f"advice-share|{key}|{ctx.channel.id}|{advice.id}|{ctx.user.id}|{now.isoformat()}".encode()
        ).hexdigest()[:24]
        try:
            await self.app.outbox.send(
                ctx.channel.id,
                render.shared_reply(advice, self.topics, ctx.user.name),
                thread_id=ctx.channel.thread_id,
                nonce=nonce,
            )
        except DeliveryError as err:
            if minutes > 0:
                await self.store.release_share(key, ctx.channel.id, now=now)
            self.log.warning(
                "share failed community=%s channel=%s permanent=%s: %s",
                key,
                ctx.channel.id,
                err.permanent,
                err,
            )
            raise UserError(
                "I couldn't post in this channel; I may not have permission here. "
                "A moderator can check my channel permissions."
            ) from None
        await ctx.reply(Reply("Shared in this channel. Thanks for passing it on.", private=True))

    # -- community snippets -------------------------------------------------------------

    def _form(self, values: Mapping[str, str] | None = None) -> Form:
        v = values or {}
        return Form(
            id=self.action("add"),
            title="Add advice for this community",
            fields=(
                FormField(
                    "title",
                    "Title",
                    max_length=TITLE_LIMITS[1],
                    default=v.get("title", ""),
                    placeholder="Ask for feedback before you feel ready",
                ),
                FormField(
                    "body",
                    "Advice (up to 700 characters)",
                    style="long",
                    max_length=BODY_LIMITS[1],
                    default=v.get("body", ""),
                ),
                FormField(
                    "topics",
                    "Topics: 1 to 3, comma-separated",
                    max_length=120,
                    default=v.get("topics", ""),
                    placeholder="interviews, rejection",
                ),
                FormField(
                    "try_this_week",
                    "Try this week: one small step",
                    style="long",
                    required=False,
                    max_length=TRY_LIMIT,
                    default=v.get("try_this_week", ""),
                ),
                FormField(
                    "attribution",
                    "Source: a link, or community: <name>",
                    max_length=300,
                    default=v.get("attribution", ""),
                    placeholder="https://… or community: Sam Lee",
                ),
            ),
            submit_label="Add",
        )

    @command(
        "advice add",
        "Add advice to this community's library (moderators)",
        opens_form=True,
    )
    async def add(self, ctx: Ctx) -> None:
        await self.app.dispatcher.require(
            ctx,
            "moderator",
            "add advice here. If you know a good piece, a moderator can add it for you",
        )
        if not ctx.supports("forms"):
            raise UserError(
                "I can't open forms here, so adding advice isn't possible on this platform."
            )
        await ctx.open_form(self._form())

    @on_click("add_again")
    async def click_add_again(self, ctx: Ctx, value: str) -> None:
        await self.app.dispatcher.require(ctx, "moderator", "add advice here")
        await ctx.open_form(self._form(self.drafts.get((ctx.community.key, ctx.user.key))))

    def validate(self, values: Mapping[str, str]) -> tuple[Draft | None, list[str]]:
        """Check a submitted form; (draft, []) or (None, problems in plain words)."""
        problems: list[str] = []
        title = " ".join(values.get("title", "").split())
        body = values.get("body", "").strip()
        tried = " ".join(values.get("try_this_week", "").split()) or None
        if not TITLE_LIMITS[0] <= len(title) <= TITLE_LIMITS[1]:
            problems.append(f"the title needs {TITLE_LIMITS[0]} to {TITLE_LIMITS[1]} characters")
        if not BODY_LIMITS[0] <= len(body) <= BODY_LIMITS[1]:
            problems.append(
                f"the advice needs {BODY_LIMITS[0]} to {BODY_LIMITS[1]} characters (it has {len(body)})"
            )
        if tried and len(tried) > TRY_LIMIT:
            problems.append(f"“try this week” can be at most {TRY_LIMIT} characters")
        topics: list[str] = []
        for word in re.split(r"[,;]+", values.get("topics", "")):
            if not word.strip():
                continue
            slug = self.resolve_topic(word)
            if slug is None:
                close = self.closest_topics(word, limit=2)
                hint = f" (closest: {', '.join(close)})" if close else ""
                problems.append(f"I don't know the topic `{word.strip()[:40]}`{hint}")
            elif slug not in topics:
                topics.append(slug)
        if not topics and not any("topic" in p for p in problems):
            problems.append("it needs at least one topic, like interviews or rejection")
        if len(topics) > MAX_TOPICS:
            problems.append(f"pick at most {MAX_TOPICS} topics")
        url, name, problem = self._attribution(values.get("attribution", ""))
        if problem:
            problems.append(problem)
        if problems:
            return None, problems
        return Draft(title, body, tuple(topics), tried, url, name), []

    @staticmethod
    def _attribution(text: str) -> tuple[str | None, str | None, str | None]:
        text = text.strip()
        m = re.match(r"^community\s*:\s*(.*)$", text, re.IGNORECASE | re.DOTALL)
        if m:
            name = " ".join(m.group(1).split())
            if not 1 <= len(name) <= SOURCE_NAME_LIMIT:
                return (
                    None,
                    None,
                    f"after “community:” put the person's name (up to {SOURCE_NAME_LIMIT} characters)",
                )
            return None, name, None
        parts = urlsplit(text)
        if (
            parts.scheme.lower() in ("http", "https")
            and parts.netloc
            and not re.search(r"\s", text)
            and len(text) <= 500
        ):
            return text, None, None
        return (
            None,
            None,
            "the source must be a link starting with https:// (or http://), "
            "or “community: <name>” for advice from someone here",
        )

    @on_submit("add")
    async def submit_add(self, ctx: Ctx, values: dict[str, str], meta: str) -> None:
        await self.app.dispatcher.require(ctx, "moderator", "add advice here")
        draft, problems = self.validate(values)
        if draft is None:
            self.drafts[(ctx.community.key, ctx.user.key)] = dict(values)
            listed = "; ".join(problems)
            await ctx.reply(
                Reply(
                    f"I couldn't add that, so nothing was saved: {listed}.",
                    buttons=(Button("Try again", self.action("add_again"), style="primary"),),
                    private=True,
                )
            )
            return
        self.drafts.pop((ctx.community.key, ctx.user.key), None)
        snippet = await self.store.add_snippet(
            community=ctx.community.key,
            title=draft.title,
            body=draft.body,
            topics=draft.topics,
            try_this_week=draft.try_this_week,
            source_url=draft.source_url,
            source_name=draft.source_name,
            added_by=ctx.user.id,
            added_by_name=ctx.user.name[:100],
            when=self.app.clock.now(),
        )
        advice = self._remember(snippet)
        self.log.info(
            "community advice added community=%s id=%s by=%s",
            ctx.community.key,
            advice.id,
            ctx.user.key,
        )
        await ctx.reply(
            render.advice_reply(
                advice,
                self.topics,
                text=(
                    f"Added as `{advice.id}`. It joins this community's advice and search; "
                    f"{self.typed(ctx, 'advice remove', id=advice.id)} takes it out again."
                ),
            )
        )

    @command(
        "advice remove",
        "Remove advice this community added (moderators)",
        Option("id", "its id, shown on the card, like c3", required=True, max_length=20),
    )
    async def remove(self, ctx: Ctx, id: str) -> None:
        await self.app.dispatcher.require(ctx, "moderator", "remove advice")
        key = ctx.community.key
        if id.strip() in self.library:
            raise UserError(
                "That one is from the shared library, which every community uses; "
                "only advice added here (ids like c3) can be removed."
            )
        number = parse_community_id(id)
        advice = self.community.get(key, {}).get(f"c{number}") if number is not None else None
        if number is None or advice is None or not await self.store.remove_snippet(key, number):
            raise UserError(
                f"There's no community advice `{id.strip()[:20]}` here. Its id is in the card's footer."
            )
        self._forget(key, advice.id)
        self.log.info(
            "community advice removed community=%s id=%s by=%s", key, advice.id, ctx.user.key
        )
        await ctx.reply(Reply(f"Removed `{advice.id}` (“{advice.title}”).", private=True))
