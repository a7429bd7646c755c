"""Check-in building blocks: ISO weeks, parsing, prompts, wording, streak rules, migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cogs.checkins import CheckinsCog, render
from cogs.checkins.store import Counts, WeekPost
from cogs.checkins.tables import entries, goals, members, reports, setups, weeks
from cogs.checkins.weeks import Week, last_weeks, parse_hhmm
from tests.test_checkins_flow import store_of

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def test_week_titles_keys_and_neighbours():
    w = Week.of(datetime(2026, 12, 1, 9, tzinfo=UTC), LONDON)
    assert (w.key, w.title) == ("2026-W49", "Week 49 (30 Nov–6 Dec)")
    assert Week(2026, 48).title == "Week 48 (23–29 Nov)"
    assert Week(2026, 53).title == "Week 53 (28 Dec–3 Jan)"  # 2026 has 53 ISO weeks
    assert Week(2026, 53).following == Week(2027, 1)
    assert Week(2027, 1).previous == Week(2026, 53)
    assert Week.parse("2026-W49") == w
    with pytest.raises(ValueError):
        Week.parse("2027-W53")
    with pytest.raises(ValueError):
        Week.parse("week 5")
    assert [x.short for x in last_weeks(w, 3)] == ["W47", "W48", "W49"]


def test_weeks_follow_the_community_clock():
    sunday_night_utc = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # Monday 09:00 in Auckland
    assert Week.of(sunday_night_utc, LONDON).key == "2026-W49"
    assert Week.of(sunday_night_utc, AUCKLAND).key == "2026-W50"
    assert Week(2026, 50).starts_at(AUCKLAND) == datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
    assert Week(2026, 49).ends_at(LONDON) == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("09:00", (9, 0)), ("9:30", (9, 30)), ("23:59", (23, 59)), ("17.15", (17, 15))],
)
def test_times_that_parse(text, parsed):
    assert parse_hhmm(text) == parsed


@pytest.mark.parametrize("text", ["25:99", "24:00", "12:60", "noon", "9", "", "7pm"])
def test_times_that_do_not(text):
    assert parse_hhmm(text) is None


@pytest.mark.parametrize(
    ("text", "status", "note"),
    [
        ("done", "done", ""),
        ("Done: sent it", "done", "sent it"),
        ("partly - half drafted", "partly", "half drafted"),
        ("not yet, next week", "not_yet", "next week"),
        ("not-yet", "not_yet", ""),
        ("no", "not_yet", ""),
        ("nothing happened", None, "nothing happened"),
        ("doneish", None, "doneish"),
    ],
)
def test_status_words(text, status, note):
    assert render.parse_status(text) == (status, note)


def test_prompts_rotate_and_fall_back():
    pool = [render.Prompt(f"Prompt number {i}?") for i in range(10)]
    this = render.choose_prompts(Week(2026, 49), pool)
    nxt = render.choose_prompts(Week(2026, 50), pool)
    assert 3 <= len(this) <= 5 and 3 <= len(nxt) <= 5
    assert this != nxt
    assert render.choose_prompts(Week(2026, 49), pool) == this  # stable within a week
    fallback = render.choose_prompts(Week(2026, 49), [])
    assert 3 <= len(fallback) <= 5
    assert {p.text for p in fallback} <= set(render.DEFAULT_PROMPTS)
    # Over a few weeks every prompt comes round.
    seen = {p.text for n in range(40, 50) for p in render.choose_prompts(Week(2026, n), pool)}
    assert len(seen) == 10


def test_recap_wording_has_no_guilt():
    assert render.recap_line(Counts(14, 9, 0), []) == (
        "Last week 14 of you set goals and 9 reported back."
    )
    assert render.recap_line(Counts(1, 1, 2), [("Ana", 3), ("@everyone", 1)]) == (
        "Last week 1 of you set goals and 1 reported back; 2 were away."
        " Streaks (members who chose to share): Ana 3 weeks, @\u200beveryone 1 week."
    )
    quiet = render.recap_line(Counts(0, 0, 1), [])
    assert "quiet" in quiet and "missed" not in quiet and "1 away" in quiet


def test_nudge_offers_a_way_out():
    reply = render.nudge(
        Week(2026, 50),
        [],
        community_key="console:local",
        community_name="Local",
        cmd=lambda p: "/" + p,
        action=lambda a: f"checkins:{a}",
    )
    labels = [b.label for b in reply.buttons]
    assert "Stop these" in labels
    assert "ignore this" in reply.text


async def test_streak_rules(app_factory):
    app = await app_factory(cogs=[CheckinsCog])
    store = store_of(app)
    key = "console:local"
    now = datetime(2026, 12, 1, tzinfo=UTC)

    async def posted(week: Week) -> None:
        await store.save_post(WeekPost(key, week.key, "c", "m", "t", now, False))

    w = Week(2026, 49)
    for back in range(1, 7):
        await posted(w.shift(-back))
    # W48 reported, W47 away, W46 reported, W45 nothing -> streak of 2 (W45 breaks it).
    await store.report(key, w.shift(-1), "u", now, source="command")
    await store.set_away(key, w.shift(-2), "u", now)
    await store.report(key, w.shift(-3), "u", now, source="command")
    await store.report(key, w.shift(-5), "u", now, source="command")
    assert await store.streak(key, "u", w) == 2
    # This week (in progress) adds when reported and never breaks.
    await store.report(key, w, "u", now, source="thread", text="hi")
    assert await store.streak(key, "u", w) == 3
    # A week without a thread (paused) does not break a streak either.
    assert await store.streak(key, "u", w.shift(8)) == 3  # weeks 50-57: no threads
    # But a posted week with nothing from the member does.
    await posted(w.following)
    assert await store.streak(key, "u", w.shift(2)) == 0


async def test_migration_matches_the_tables(app_factory):
    app = await app_factory(cogs=[])
    async with app.db.read() as conn:
        found = await conn.run_sync(
            lambda c: {
                t: {col["name"] for col in sa.inspect(c).get_columns(t)}
                for t in sa.inspect(c).get_table_names()
            }
        )
    for table in (setups, weeks, members, entries, goals, reports):
        assert found[table.name] == {c.name for c in table.columns}, table.name


def test_week_of_day_agrees_with_isocalendar():
    for day in (date(2027, 1, 1), date(2026, 12, 31), date(2027, 1, 4)):
        assert Week.of_day(day).monday <= day <= Week.of_day(day).sunday
