"""Cards for the queue, the feed, lists, reminders and digests.

Everything a member typed goes through `neutral()` before it is shown: mass mentions
(@everyone, @here, <!channel>) are broken with a zero-width space, and user, role and
Slack special mentions (<@123>, <@&123>, <!subteam^S1>) are broken too, so nothing
typed into a posting can ping anyone, on any platform, even before the adapter's own
allowed-mentions guard.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.replies import Button, Card, Field, Reply
from bot.core.safety import ZERO_WIDTH_SPACE, clip, defuse_mentions
from bot.core.timefmt import show_time, zone_label
from cogs.postings.store import Feed, Posting

KIND_LABELS = {
    "job": "Job",
    "fellowship": "Fellowship",
    "program": "Program",
    "grant": "Grant",
    "event": "Event",
    "other": "Opportunity",
}
ANONYMOUS = "a member"


def neutral(text: str, limit: int | None = None) -> str:
    """User text made safe to show: no live mentions, optionally clipped."""
    text = defuse_mentions(text)
    text = text.replace("<@", "<" + ZERO_WIDTH_SPACE + "@").replace(
        "<!", "<" + ZERO_WIDTH_SPACE + "!"
    )
    return clip(text, limit) if limit else text


def deadline_text(p: Posting, zone: ZoneInfo, now: datetime, *, discord: bool = False) -> str:
    if p.deadline is None:
        return "Rolling (no fixed deadline)"
    return show_time(p.deadline, zone, now, discord=discord)


def shared_by(p: Posting, feed: Feed | None = None, *, moderator: bool = False) -> str:
    if p.feed_id is not None:
        name = neutral(feed.title, 80) if feed and feed.title else f"feed #{p.feed_id}"
        return f"Imported from {name}"
    if moderator:
        who = f"{neutral(p.submitter_name, 80)} (id {neutral(p.submitter_id, 40)})"
        return who + (", asked to stay anonymous to members" if p.anonymous else "")
    return ANONYMOUS if p.anonymous else neutral(p.submitter_name, 80)


def _fields(p: Posting, zone: ZoneInfo, now: datetime, discord: bool) -> list[Field]:
    fields = [Field("Kind", KIND_LABELS.get(p.kind, p.kind))]
    if p.organisation:
        fields.append(Field("Organisation", neutral(p.organisation, 200)))
    if p.location:
        fields.append(Field("Where", neutral(p.location, 200)))
    fields.append(Field("Deadline", deadline_text(p, zone, now, discord=discord), False))
    return fields


def title_of(p: Posting) -> str:
    return f"{KIND_LABELS.get(p.kind, 'Opportunity')}: {neutral(p.title, 200)}"


def feed_card(p: Posting, zone: ZoneInfo, now: datetime, *, discord: bool = False) -> Reply:
    fields = _fields(p, zone, now, discord)
    fields.append(Field("Shared by", shared_by(p)))
    card = Card(
        title_of(p),
        neutral(p.description, 1000),
        tuple(fields),
        url=p.link,
        footer=f"Posting #{p.id} · questions welcome in the thread",
        colour="info",
    )
    return Reply(cards=(card,), buttons=(Button("Open posting", "", url=p.link),))


def closed_card(p: Posting, zone: ZoneInfo, now: datetime) -> Reply:
    if p.status == "expired":
        why = (
            "Expired: rolling postings leave the feed after a while unless a moderator renews them."
        )
    elif p.deadline is not None:
        local = p.deadline.astimezone(zone)
        why = f"Closed {local:%a} {local.day} {local:%b}, {local:%H:%M} {zone_label(zone)}."
    else:
        why = "Closed."
    card = Card(
        f"Closed · {title_of(p)}",
        why,
        (Field("Organisation", neutral(p.organisation, 200) or "-"),),
        url=p.link,
        footer=f"Posting #{p.id} · no longer open",
        colour="default",
    )
    return Reply(cards=(card,))


def queue_card(
    p: Posting, zone: ZoneInfo, now: datetime, *, feed: Feed | None = None, action_prefix: str
) -> Reply:
    """The moderators' card: everything, including who submitted it, plus the decision buttons."""
    fields = _fields(p, zone, now, False)
    fields.append(Field("Link", neutral(p.link, 500), False))
    fields.append(Field("Submitted by", shared_by(p, feed, moderator=True), False))
    status = {
        "pending": ("Waiting for a moderator", "warning"),
        "live": (f"Approved by {neutral(p.decided_by_name or '?', 80)}", "success"),
        "rejected": (f"Rejected by {neutral(p.decided_by_name or '?', 80)}", "danger"),
        "closed": ("Closed (deadline passed)", "default"),
        "expired": ("Expired (rolling, not renewed)", "default"),
    }
    label, colour = status.get(p.status, (p.status, "default"))
    if p.status == "rejected" and p.reason:
        fields.append(Field("Reason", neutral(p.reason, 500), False))
    if p.status == "pending" and p.deadline is not None and p.deadline <= now:
        label += " · the deadline has passed; edit or reject it"
    card = Card(
        f"Review #{p.id} · {title_of(p)}",
        neutral(p.description, 1000),
        tuple(fields),
        url=p.link,
        footer=label,
        colour=colour,  # type: ignore[arg-type]
    )
    buttons: tuple[Button, ...] = ()
    if p.status == "pending":
        buttons = (
            Button("Approve", f"{action_prefix}approve", str(p.id), "success"),
            Button("Reject", f"{action_prefix}reject", str(p.id), "danger"),
            Button("Edit", f"{action_prefix}edit", str(p.id)),
        )
    elif p.status == "live":
        buttons = (Button("Edit", f"{action_prefix}edit", str(p.id)),)
    return Reply(cards=(card,), buttons=buttons)


def line(p: Posting, zone: ZoneInfo, now: datetime) -> str:
    org = f" · {neutral(p.organisation, 80)}" if p.organisation else ""
    if p.deadline is None:
        when = "rolling"
    else:
        when = "closes " + show_time(p.deadline, zone, now)
    return f"- **{neutral(p.title, 120)}**{org} · {when} · [link]({p.link}) · #{p.id}"


def list_card(
    title: str, items: list[Posting], zone: ZoneInfo, now: datetime, *, empty: str, limit: int = 15
) -> Card:
    if not items:
        return Card(title, empty)
    body = "\n".join(line(p, zone, now) for p in items[:limit])
    if len(items) > limit:
        body += f"\n…and {len(items) - limit} more; `postings search <words>` narrows it down."
    return Card(title, clip(body, 4000))


def reminder(p: Posting, zone: ZoneInfo, now: datetime, *, discord: bool = False) -> Reply:
    org = f" ({neutral(p.organisation, 80)})" if p.organisation else ""
    text = (
        f"Closing soon: **{neutral(p.title, 200)}**{org}. "
        f"Deadline {deadline_text(p, zone, now, discord=discord)}."
    )
    return Reply(text, buttons=(Button("Open posting", "", url=p.link),))


def digest(items: list[Posting], zone: ZoneInfo, now: datetime) -> Reply:
    card = list_card(
        "Closing in the next 7 days",
        items,
        zone,
        now,
        empty="Nothing closes this week.",
        limit=20,
    )
    return Reply(
        cards=(Card(card.title, card.body, footer="`postings list` shows everything that's open"),)
    )
