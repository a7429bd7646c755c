"""What check-ins say: the weekly starter, nudges, notices, status and history.

Pure functions from data to text/`Reply`, so wording is easy to read and test.
Voice: warm, brief, no guilt ("away", never "missed"); every unsolicited DM has a way out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.replies import Button, Reply
from bot.core.safety import clip, defuse_mentions
from bot.core.timefmt import show_time, zone_label
from cogs.checkins.store import Counts, Entry, Goal
from cogs.checkins.weeks import DAY_NAMES, Week

UTC_ZONE = ZoneInfo("UTC")
STATUS_WORDS = {"open": "open", "done": "done", "partly": "partly", "not_yet": "not yet"}
STATUS_RE = re.compile(
    r"^\s*(not[\s_-]*yet|not\s+done|no|done|finished|yes|partly|partially|partial|half)\b"
    r"[\s:,.;!\u2013\u2014-]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
STATUS_OF = {
    "no": "not_yet",
    "not done": "not_yet",
    "done": "done",
    "finished": "done",
    "yes": "done",
    "partly": "partly",
    "partially": "partly",
    "partial": "partly",
    "half": "partly",
}

# Used only when advice/ has fewer than three check-in prompts (our own words).
DEFAULT_PROMPTS: tuple[str, ...] = (
    "What did you finish or write up this week, even something small?",
    "What is the smallest next step you could take in half an hour?",
    "Where are you stuck, and who could you ask?",
    "Did you apply somewhere, or plan to?",
)
PROMPTS_PER_WEEK = 4


@dataclass(frozen=True)
class Prompt:
    text: str
    credit: str = ""  # "Author, Title" of the essay it comes from


def parse_status(text: str) -> tuple[str | None, str]:
    """'partly: drafted half' -> ('partly', 'drafted half'); unknown first word -> (None, text)."""
    m = STATUS_RE.match(text)
    if not m:
        return None, text.strip()
    word = " ".join(m.group(1).lower().replace("-", " ").replace("_", " ").split())
    status = "not_yet" if word.startswith("not") and "yet" in word else STATUS_OF.get(word)
    return status, m.group(2).strip()


def answer_of(goal: Goal) -> str:
    """A goal as the progress form shows it again ("partly: half drafted")."""
    note = goal.note or ""
    if goal.status == "open":
        return note
    word = STATUS_WORDS.get(goal.status, goal.status)
    return f"{word}: {note}" if note else word


def goal_line(goal: Goal) -> str:
    text = defuse_mentions(clip(goal.text, 200))
    status = STATUS_WORDS.get(goal.status, goal.status)
    note = f" ({defuse_mentions(clip(goal.note, 200))})" if goal.note else ""
    return f"- {text}: _{status}_{note}"


def choose_prompts(week: Week, pool: Sequence[Prompt]) -> list[Prompt]:
    """3 to 5 prompts, rotating week by week through the pool (same week, same prompts)."""
    if len(pool) < 3:
        pool = [Prompt(t) for t in DEFAULT_PROMPTS]
    count = min(PROMPTS_PER_WEEK, len(pool))
    index = week.monday.toordinal() // 7
    start = (index * count) % len(pool)
    return [pool[(start + i) % len(pool)] for i in range(count)]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def recap_line(counts: Counts, streaks: Sequence[tuple[str, int]]) -> str:
    goals, reported = counts.set_goals, counts.reported
    if goals and reported:
        line = f"Last week {goals} of you set goals and {reported} reported back"
    elif goals:
        line = f"Last week {goals} of you set goals"
    elif reported:
        line = f"Last week {reported} of you reported back"
    else:
        line = "Last week was quiet here"
        if counts.away:
            line += f" ({counts.away} away)"
        line += ", which is fine: this is a good week to start"
    if counts.away and (goals or reported):
        line += f"; {counts.away} {'was' if counts.away == 1 else 'were'} away"
    line += "."
    shown = [(name, n) for name, n in streaks if n >= 1][:10]
    if shown:
        line += " Streaks (members who chose to share): " + ", ".join(
            f"{defuse_mentions(clip(name, 40))} {plural(n, 'week')}" for name, n in shown
        )
        line += "."
    return line


def starter(
    week: Week,
    *,
    recap: str,
    prompts: Sequence[Prompt],
    late: bool,
    cmd: Callable[[str], str],
    action: Callable[[str], str],
) -> Reply:
    lines = [f"**{week.title}**"]
    if late:
        lines.append("_Posting late: I was offline at the usual time._")
    lines.append(recap)
    lines.append("This week:")
    lines.extend(f"- {p.text}" for p in prompts)
    lines.append(
        f"Set up to 3 goals with `{cmd('checkin goals')}`, and report with"
        f" `{cmd('checkin done')}` or a reply in this thread. Away this week?"
        f" `{cmd('checkin skip')}` keeps your streak."
    )
    credits = sorted({p.credit for p in prompts if p.credit})
    if credits:
        lines.append("_Prompts adapted from " + "; ".join(credits) + "._")
    buttons = (
        Button("Set my goals", action("goals"), week.key, "primary"),
        Button("Report progress", action("done"), week.key),
        Button("Away this week", action("skip"), week.key),
    )
    return Reply("\n".join(lines), buttons=buttons)


def nudge(
    week: Week,
    goals: Sequence[Goal],
    *,
    community_key: str,
    community_name: str,
    cmd: Callable[[str], str],
    action: Callable[[str], str],
) -> Reply:
    where = f" in {defuse_mentions(clip(community_name, 60))}" if community_name else ""
    lines = [
        f"A gentle nudge, as you asked: you set goals for {week.title}{where}. How is it going?"
        " Partly done counts, and so does \u201cnot yet\u201d.",
        *[goal_line(g) for g in goals],
        f"Report with `{cmd('checkin done')}` or a reply in the week's thread.",
        "Not now? Just ignore this. I send at most one a week; **Stop these** turns them off.",
    ]
    return Reply(
        "\n".join(lines),
        buttons=(
            Button("Report progress", action("done"), community_key, "primary"),
            Button("Stop these", action("stop-nudges"), community_key),
        ),
    )


def notice(week: Week, channel: str, reason: str, cmd: Callable[[str], str]) -> Reply:
    return Reply(
        f"I couldn't post the check-in for {week.title} in {channel}: {clip(reason, 200)}."
        " Check that the channel still exists and that I may post and open threads there,"
        f" then run `{cmd('checkins setup')}` again. I'll try again next week as usual;"
        f" `{cmd('checkins pause')}` skips weeks and `{cmd('checkins stop')}` turns check-ins off."
        " This is the only message about it this week."
    )


def hhmm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def when_both(when: datetime, zone: ZoneInfo, now: datetime, *, discord: bool) -> str:
    """'Mon 7 Dec, 09:00 UK time, in 6 days (Mon 7 Dec, 09:00 UTC)'."""
    local = show_time(when, zone, now, discord=discord)
    if zone.key in ("UTC", "Etc/UTC"):
        return local
    u = when.astimezone(UTC_ZONE)
    return f"{local} ({u:%a} {u.day} {u:%b}, {u:%H:%M} UTC)"


def schedule_sentence(weekday: int, hour: int, minute: int, zone: ZoneInfo) -> str:
    return f"every {DAY_NAMES[weekday]} at {hhmm(hour, minute)} ({zone_label(zone)})"


def history_line(week: Week, entry: Entry | None, tally: dict[str, int]) -> str | None:
    """One week of a member's history, or None when nothing happened that week."""
    total = sum(tally.values())
    if entry is not None and entry.reported:
        text = "reported back"
        if total:
            text += f", {tally.get('done', 0)} of {total} done"
            if tally.get("partly"):
                text += f", {tally['partly']} partly"
    elif entry is not None and entry.away:
        text = "away"
    elif total:
        text = plural(total, "goal") + " set"
    else:
        return None
    return f"- {week.title}: {text}"


def nonce(*parts: str) -> str:
    """A short stable nonce for idempotent sends (Discord allows 25 characters)."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:25]
