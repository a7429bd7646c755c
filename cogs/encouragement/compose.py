"""What the encouragement cog says: picking a story and a next step, and wording replies.

Pure functions over the content library, so they are easy to test and to read aloud.
Voice (see VOICE.md): warm, brief, honest; credit the people whose stories these are;
every unasked message carries a way to say "not now" and "never".
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from bot.content.loader import Library
from bot.content.schema import STAGES, NextStep, Source, Testimonial
from bot.core.replies import Button, Card, Field, Reply
from bot.core.safety import clip, defuse_mentions

# The public footprint on platforms without private messages in a channel (Discord).
OFFER = (
    "Sorry, that stings. Want a story from someone who was turned down early and did well later?"
)
SORRY = "Sorry, that stings."

STAGE_LABELS = {
    "cv-screen": "CV screen",
    "interview": "interview",
    "final-round": "final round",
    "program": "program or fellowship",
    "grant": "grant",
    "paper-review": "paper review",
    "job-performance": "job performance",
    "first-impression": "first impression",
    "self-assessment": "self-assessment",
}

# One honest sentence per stage, after Chan's point that evaluations of new researchers
# are noisy (and self-assessments noisier). No promises, no cheerleading.
STAGE_LINES = {
    "cv-screen": "CV screens are quick and coarse; a no there says very little about you.",
    "interview": "An interview samples one hour of you on one day; rejections at this stage carry little information.",
    "final-round": "Reaching the final round means you were close; the last cut between strong candidates is noisy.",
    "program": "Programs turn away many people who go on to do good work; rejections at this stage carry little information.",
    "grant": "Grant decisions turn on budgets and fit as much as on you or the idea.",
    "paper-review": "Peer review is noisy; plenty of good papers are rejected before they are accepted.",
    "job-performance": "Early evaluations of new researchers are noisy; a rough first stretch is common among people who later do well.",
    "first-impression": "First impressions are weak evidence, in both directions.",
    "self-assessment": "Self-assessments are even noisier than other people's evaluations; go easy on the verdict.",
}
DEFAULT_LINE = "Evaluations of new researchers are noisy; one rejection carries little information."

assert set(STAGE_LINES) == set(STAGES) == set(STAGE_LABELS)

_SAFE_WHERE = re.compile(r"[\s`*_~|<>\[\]]+")


def stage_line(stage: str | None) -> str:
    return STAGE_LINES.get(stage or "", DEFAULT_LINE)


def clean_where(where: str | None) -> str:
    """Member text shown back to them: one short line, no markup, no mass mentions."""
    if not where:
        return ""
    return clip(defuse_mentions(_SAFE_WHERE.sub(" ", where)).strip(), 60)


def _fresh(pool: Sequence[Testimonial | NextStep], avoid: str | None) -> list:
    return [item for item in pool if item.id != avoid]


def pick_story(
    library: Library, stage: str | None, avoid: str | None, rng: random.Random
) -> Testimonial | None:
    """A testimonial at `stage` if there is one, else any; never `avoid` (the one just shown)
    unless it is the only story there is."""
    everything = sorted(library.testimonials.values(), key=lambda t: t.id)
    if not everything:
        return None
    matched = [t for t in everything if stage and t.stage == stage]
    for pool in (matched, everything):
        fresh = _fresh(pool, avoid)
        if fresh:
            return rng.choice(fresh)
    return everything[0]


def pick_step(library: Library, avoid: str | None, rng: random.Random) -> NextStep | None:
    steps = sorted(library.next_steps.values(), key=lambda s: s.id)
    if not steps:
        return None
    return rng.choice(_fresh(steps, avoid) or steps)


def credit_line(
    library: Library, source_id: str, credit: str | None = None
) -> tuple[str, str | None]:
    """The credit text and link for a story or step; the bot is never the author.

    "From <author>, “<title>”", or with a story's own credit ("Beth Barnes, in the
    appendix of ...") "<Credit>: “<title>”".
    """
    source: Source | None = library.sources.get(source_id)
    if source is None:
        return (credit[:1].upper() + credit[1:] if credit else ""), None
    if credit:
        text = f"{credit[:1].upper()}{credit[1:]}: “{source.title}”"
    else:
        text = f"From {source.author}, “{source.title}”"
    if source.url is None and source.link_note:
        text += f" ({source.link_note})"
    return text, (str(source.url) if source.url else None)


def story_buttons(stage: str | None) -> tuple[Button, ...]:
    return (
        Button("Another story", "encouragement:another", stage or "", "primary"),
        Button("What to do next", "encouragement:next", stage or ""),
        Button("Stop", "encouragement:stop"),
    )


def story_card(library: Library, story: Testimonial, step: NextStep | None = None) -> Card:
    """The story in our words (numbers included), a next step, and credit."""
    footer, url = credit_line(library, story.source, story.credit)
    body = story.story
    fields: tuple[Field, ...] = ()
    if step is not None:
        fields = (step_field(library, step, same_source=step.source == story.source),)
    return Card(
        title=clip(story.who[:1].upper() + story.who[1:], 256),
        body=body,
        fields=fields,
        url=url,
        footer=footer,
        colour="info",
    )


def step_field(library: Library, step: NextStep, *, same_source: bool = False) -> Field:
    if same_source:
        credit = "From the essay credited below."
    else:
        credit, _ = credit_line(library, step.source)
    value = step.text + (f"\n_{credit}_" if credit else "")
    return Field("One thing you could do next", value, False)


def story_reply(
    library: Library,
    story: Testimonial | None,
    step: NextStep | None,
    *,
    intro: str,
    stage: str | None,
) -> Reply:
    """The private reply: a short honest line, one story with credit, one next step, buttons."""
    if story is None:
        # Content is validated at start-up, so this only happens with an empty library.
        return Reply(
            f"{intro} I have no stories loaded right now, sorry; an admin can check the content files.",
            private=True,
        )
    card = story_card(library, story, step)
    return Reply(intro, cards=(card,), buttons=story_buttons(stage), private=True)


def step_reply(library: Library, step: NextStep | None, stage: str | None) -> Reply:
    if step is None:
        return Reply("I have no next steps loaded right now, sorry.", private=True)
    credit, url = credit_line(library, step.source)
    text = f"**One thing you could do next:** {step.text}"
    if credit:
        text += f"\n_{credit}_" + (f" {url}" if url else "")
    return Reply(text, buttons=story_buttons(stage), private=True)


def offer_buttons(author_id: str, stage: str | None) -> tuple[Button, ...]:
    """[Show me] [Not now] [Never] under the public offer; each carries the author's id
    (and the stage the detector saw, after a "|") so clicks by others can be told apart."""
    value = f"{author_id}|{stage}" if stage else author_id
    return (
        Button("Show me", "encouragement:show", value, "primary"),
        Button("Not now", "encouragement:notnow", value),
        Button("Never", "encouragement:never", value),
    )


def parse_offer_value(value: str) -> tuple[str, str | None]:
    author, _, stage = value.partition("|")
    return author, (stage if stage in STAGES else None)
