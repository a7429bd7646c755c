"""ISO weeks in a community's zone: keys, titles, neighbours and boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KEY = re.compile(r"^(\d{4})-W(\d{2})$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def of(cls, when: datetime, zone: ZoneInfo) -> Week:
        """The ISO week that contains `when` on the community's wall clock."""
        iso = when.astimezone(zone).isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def of_day(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, key: str) -> Week:
        m = KEY.match(key)
        if not m:
            raise ValueError(f"not an ISO week key: {key!r}")
        week = cls(int(m.group(1)), int(m.group(2)))
        week.monday  # noqa: B018 - raises for week 53 in a 52-week year
        return week

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> Week:
        return Week.of_day(self.monday + timedelta(weeks=weeks))

    @property
    def previous(self) -> Week:
        return self.shift(-1)

    @property
    def following(self) -> Week:
        return self.shift(1)

    def starts_at(self, zone: ZoneInfo) -> datetime:
        """Monday 00:00 on the community's wall clock, as a UTC instant."""
        return datetime.combine(self.monday, time(0, 0), tzinfo=zone).astimezone(UTC)

    def ends_at(self, zone: ZoneInfo) -> datetime:
        """When the week closes: the next Monday 00:00 local, as a UTC instant."""
        return self.following.starts_at(zone)

    @property
    def dates(self) -> str:
        """'24–30 Nov', or '30 Nov–6 Dec' across a month."""
        a, b = self.monday, self.sunday
        if a.month == b.month:
            return f"{a.day}–{b.day} {b:%b}"
        return f"{a.day} {a:%b}–{b.day} {b:%b}"

    @property
    def title(self) -> str:
        return f"Week {self.number} ({self.dates})"

    @property
    def short(self) -> str:
        return f"W{self.number}"


def last_weeks(current: Week, count: int) -> list[Week]:
    """`count` weeks ending with `current`, oldest first."""
    return [current.shift(-i) for i in range(count - 1, -1, -1)]


def parse_hhmm(text: str) -> tuple[int, int] | None:
    """'09:00' or '9:30' -> (9, 0) / (9, 30); None when it is not a 24-hour time."""
    m = re.match(r"^\s*(\d{1,2})[:.h](\d{2})\s*$", text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute
