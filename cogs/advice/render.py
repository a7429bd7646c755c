"""How advice looks: one neutral `Advice` value for library and community snippets, and
the cards, buttons and lists built from it. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.content.schema import Resource, Snippet, Source, Topic
from bot.core.replies import Button, Card, Reply
from bot.core.safety import clip, defuse_mentions
from cogs.advice.store import CommunitySnippet

BUTTON_LABEL = 80  # Discord's limit; Slack allows 75 in plain text, adapters clip further
ANOTHER = "advice:another"
SHARE = "advice:share"
TOPIC = "advice:topic"
SHOW = "advice:show"


@dataclass(frozen=True)
class Advice:
    id: str
    title: str
    body: str
    topics: tuple[str, ...]
    try_this_week: str | None
    credit: str  # one line of markdown naming (and linking) whose idea this is
    url: str | None
    community: str | None = None  # None: the bundled library, seen everywhere
    added_by_name: str = ""


def from_snippet(snippet: Snippet, sources: Mapping[str, Source]) -> Advice:
    source = sources[snippet.source]
    url = str(source.url) if source.url else None
    return Advice(
        id=snippet.id,
        title=snippet.title,
        body=snippet.body,
        topics=snippet.topics,
        try_this_week=snippet.try_this_week,
        credit=credit_line(snippet.credit or source.author, source, url),
        url=url,
    )


def credit_line(who: str, source: Source, url: str | None) -> str:
    """'From Lawrence Chan, [Title](link) (2024)'; the credit field names who when set."""
    title = f"[{source.title}]({url})" if url else source.title
    year = f" ({source.year})" if source.year else ""
    note = f". {source.link_note}" if not url and source.link_note else ""
    return f"From {who}, {title}{year}{note}"


def from_community(snippet: CommunitySnippet) -> Advice:
    if snippet.source_url:
        credit = (
            f"From [{_host(snippet.source_url)}]({snippet.source_url}), shared by this community"
        )
    else:
        credit = (
            f"From {defuse_mentions(snippet.source_name or 'this community')}, in this community"
        )
    return Advice(
        id=snippet.id,
        title=defuse_mentions(snippet.title),
        body=defuse_mentions(snippet.body),
        topics=snippet.topics,
        try_this_week=defuse_mentions(snippet.try_this_week) if snippet.try_this_week else None,
        credit=credit,
        url=snippet.source_url,
        community=snippet.community,
        added_by_name=defuse_mentions(snippet.added_by_name),
    )


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def topic_title(slug: str, topics: Mapping[str, Topic]) -> str:
    topic = topics.get(slug)
    return topic.title if topic else slug


def advice_card(advice: Advice, topics: Mapping[str, Topic], *, shared_by: str = "") -> Card:
    parts = [advice.body.strip()]
    if advice.try_this_week:
        parts.append(f"**Try this week:** {advice.try_this_week.strip()}")
    parts.append(advice.credit)
    footer = "Topics: " + ", ".join(topic_title(t, topics) for t in advice.topics)
    if advice.community is not None:
        by = f", added by {advice.added_by_name}" if advice.added_by_name else ""
        footer += f" · community advice {advice.id}{by}"
    if shared_by:
        footer += f" · shared by {defuse_mentions(shared_by)}"
    return Card(
        title=clip(advice.title, 256),
        body=clip("\n\n".join(parts), 4000),
        url=advice.url,
        footer=clip(footer, 2000),
        colour="info",
    )


def label(text: str) -> str:
    return clip(text, BUTTON_LABEL)


def advice_buttons(
    advice: Advice, topics: Mapping[str, Topic], *, another_topic: str = ""
) -> tuple[Button, ...]:
    """ "Another one" keeps to the topic the member asked for ("" = anything)."""
    more = another_topic or advice.topics[0]
    return (
        Button("Another one", ANOTHER, another_topic, style="primary"),
        Button("Share to channel", SHARE, advice.id),
        Button(label(f"More on {topic_title(more, topics)}"), TOPIC, more),
    )


def advice_reply(
    advice: Advice, topics: Mapping[str, Topic], *, another_topic: str = "", text: str = ""
) -> Reply:
    return Reply(
        text=text,
        cards=(advice_card(advice, topics),),
        buttons=advice_buttons(advice, topics, another_topic=another_topic),
        private=True,
    )


def shared_reply(advice: Advice, topics: Mapping[str, Topic], shared_by: str) -> Reply:
    """The public post: the card, credited, with one button so others can get more privately."""
    more = advice.topics[0]
    return Reply(
        cards=(advice_card(advice, topics, shared_by=shared_by),),
        buttons=(Button(label(f"More on {topic_title(more, topics)}"), TOPIC, more),),
        private=False,
    )


def search_reply(
    query: str, top: Advice, more: Sequence[Advice], topics: Mapping[str, Topic]
) -> Reply:
    buttons = advice_buttons(top, topics) + tuple(
        Button(label(f"more: {a.title}"), SHOW, a.id) for a in more
    )
    text = f"Best match for “{clip(defuse_mentions(query), 80)}”:"
    return Reply(text=text, cards=(advice_card(top, topics),), buttons=buttons, private=True)


def topic_buttons(slugs: Iterable[str], topics: Mapping[str, Topic]) -> tuple[Button, ...]:
    return tuple(
        Button(label(f"More on {topic_title(s, topics)}"), TOPIC, s) for s in list(slugs)[:5]
    )


def topic_names(slugs: Iterable[str], topics: Mapping[str, Topic]) -> str:
    return ", ".join(f"{topic_title(s, topics)} (`{s}`)" for s in slugs)


def topics_card(topics: Mapping[str, Topic], counts: Mapping[str, int], footer: str = "") -> Card:
    lines = [
        f"**{t.title}** (`{t.slug}`, {counts.get(t.slug, 0)}): {t.description}"
        for t in topics.values()
    ]
    return Card(
        title="Advice topics",
        body=clip("\n".join(lines), 4000),
        footer=footer,
        colour="info",
    )


def resources_cards(
    resources: Sequence[Resource], kind: str | None, kinds: Sequence[str] = ()
) -> tuple[Card, ...]:
    """One card per kind, in `kinds` order. With a kind picked, each entry has its summary;
    the full list is names, formats and links only, so it stays short on every platform."""
    order = {k: i for i, k in enumerate(kinds)}
    by_kind: dict[str, list[Resource]] = {}
    for r in sorted(
        resources, key=lambda r: (order.get(r.kind, len(order)), r.kind, r.name.lower())
    ):
        by_kind.setdefault(r.kind, []).append(r)
    cards = []
    for k, items in by_kind.items():
        lines = []
        for r in items:
            fmt = f" ({', '.join(f.replace('-', ' ') for f in r.format)})" if r.format else ""
            summary = f": {r.summary}" if kind else ""
            lines.append(f"- [{r.name}]({r.url}){fmt}{summary}")
        cards.append(Card(title=kind_title(k), body=clip("\n".join(lines), 2900), colour="info"))
    footer = "Named in the essays Coinflip's advice comes from; check each site for dates."
    if not kind:
        footer = "Add a kind, like program, for a line on each. " + footer
    last = cards[-1]
    cards[-1] = Card(last.title, last.body, colour=last.colour, footer=footer)
    return tuple(cards[:10])


KIND_TITLES = {
    "program": "Programs",
    "hub": "Hubs",
    "job-board": "Job boards",
    "advising": "Advising",
    "events": "Events",
    "map": "Maps",
    "course": "Courses",
    "community": "Communities",
    "reading": "Reading",
}


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("-", " ").capitalize())
