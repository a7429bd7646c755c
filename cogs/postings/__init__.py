"""Postings: member submissions, a moderator review queue, a curated feed with deadlines,
reminders, expiry and RSS/Atom import.

Modules: `cog` (commands, buttons, forms), `validate` (links, deadlines, lengths; pure),
`store` + `tables` (SQLAlchemy Core), `review` (queue, feed and outcome sends, each
exactly once), `deadlines` (the minute sweep and the weekly digest), `feeds` (fetching
and parsing feeds), `render` (cards; all user text neutralised).

Export for other communities (`GET /postings.atom`) is out of scope for now. A clean
way: a small read-only aiohttp route in the app (next to the Slack HTTP server, or its
own port) calling `Store.live(community_key)` and rendering Atom with the standard
library's `xml.etree` (one `<entry>` per live posting: id `tag:coinflip,<date>:posting/<id>`,
title, link, summary, `updated` = approval time), behind a per-community opt-in setting
and an unguessable token in the URL, since communities are private by default.
Anonymous submitters stay "a member"; rejected and pending postings never appear.
"""

from cogs.postings.cog import PostingsCog

COG = PostingsCog
