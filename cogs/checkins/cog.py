"""Weekly accountability check-ins: a thread each week, goals and progress, nudges, recaps.

How it behaves, and the decisions behind it:

- **Weeks** are ISO weeks (Monday to Sunday) on the community's wall clock, in the zone
  given to `checkins setup` (default: the community's `timezone` setting). Week keys look
  like "2026-W49"; every time is stored in UTC. Goals belong to the week in which they are
  set and can be edited until that week closes (Monday 00:00 local); a form opened before
  the close and sent after it is refused kindly rather than saved into the wrong week.
- **The weekly post** is a `Weekly` schedule (job `checkins:<community key>`, kind
  `checkins.post`, payload with the channel id). The handler claims
  `("checkins:post:<community key>:<channel>", "<ISO week>")` before it opens the thread,
  so a restart or a second instance posts once. More than 10 minutes after the minute the
  starter says it is late. The thread title is the week and its dates; the starter has a
  recap of last week (members who set goals, who reported back, who were away; streaks
  only of members who opted in with `checkin streaks on`) and 4 prompts from
  `advice/checkin-prompts.yaml`, rotating week by week (a short built-in list when the
  content has fewer than 3). The thread's ref is stored so replies in it can be matched.
- **Delivery failures**: a transient `DeliveryError` gives the claim back and raises, so
  the scheduler's next tick retries; after 5 failed tries in one process the week is
  given up (no retry storm). A permanent one (deleted channel, missing permission) keeps
  the claim and sends one notice per week (claim `checkins:notice:...`) to the admin who
  ran setup, or logs when that DM is impossible. The schedule stays, so next week is
  tried again; nothing loops.
- **Nudges** are a second schedule (kind `checkins.nudge`; default two days after the
  post at the same time, never past Sunday; `nudge_day:off` turns them off; a Sunday post
  has none unless configured). They DM only members who turned them on
  (`checkin remind on`, default off) and set goals that week and have neither reported
  nor marked the week away. Each DM claims `("checkins:nudge:<community>:<user>", week)`,
  so never twice a week, and carries a "Stop these" button.
- **Progress** comes from `checkin done` (options, or a form with one line per goal:
  "done", "partly" or "not yet", then a note) and from plain replies in the current
  week's thread. On Discord, reading those replies needs the privileged message-content
  intent (`discord.message_content_intent`); without it the bot still sees that a member
  replied (an empty message) and counts it, and everything works through commands.
- **Streaks** count weeks reported in a row. A week away, a week with no thread (paused)
  and the week in progress never break one. Streaks are private (`checkin me`) unless the
  member opts in to the recap.
- **Privacy**: goals, notes and history are only shown to their member; the public
  thread only ever carries counts, and names of members who opted in to streaks.
- `checkins pause weeks:n` skips the next n posts (and the nudges until then);
  `checkins resume` undoes it; `checkins stop` removes the schedules (history is kept).
"""

from __future__ import annotations

from cogs.checkins.admin import AdminCommands
from cogs.checkins.base import NUDGE_KIND, POST_KIND
from cogs.checkins.jobs import WeeklyJobs
from cogs.checkins.member import MemberCommands
from cogs.checkins.store import Store


class CheckinsCog(AdminCommands, MemberCommands, WeeklyJobs):
    name = "checkins"
    description = "Weekly check-ins"

    async def forget_member(self, community_key: str, user_id: str) -> None:
        await self.store.delete_member_data(community_key, user_id)

    async def setup(self) -> None:
        self.store = Store(self.app.db)
        self._attempts = {}
        self._threads = {}
        self.app.scheduler.on(POST_KIND, self.on_post)
        self.app.scheduler.on(NUDGE_KIND, self.on_nudge)

    async def teardown(self) -> None:
        for kind, handler in ((POST_KIND, self.on_post), (NUDGE_KIND, self.on_nudge)):
            if self.app.scheduler.handlers.get(kind) == handler:
                del self.app.scheduler.handlers[kind]
