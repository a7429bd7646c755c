"""Pydantic schema for the YAML files in `advice/`.

Every file is a mapping whose top-level keys are any of the sections below;
sections from all files are merged into one `Library`. Ids are unique per section.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Stage = Literal[
    "cv-screen",
    "interview",
    "final-round",
    "program",
    "grant",
    "paper-review",
    "job-performance",
    "first-impression",
    "self-assessment",
]
STAGES: tuple[str, ...] = get_args(Stage)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """An essay (or other work) that content is drawn from."""

    id: str = Field(pattern=SLUG)
    author: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    url: HttpUrl | None = None
    link_note: str | None = Field(default=None, max_length=200)
    year: int | None = Field(default=None, ge=1990, le=2100)

    @model_validator(mode="after")
    def _needs_link(self) -> Source:
        if self.url is None and not self.link_note:
            raise ValueError("a source needs a url, or a link_note saying where it lives")
        return self


class Topic(Strict):
    slug: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=200)
    aliases: tuple[str, ...] = ()


class Snippet(Strict):
    """One piece of advice, in our own words."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=3, max_length=120)
    body: str = Field(min_length=20, max_length=700)
    topics: tuple[str, ...] = Field(min_length=1, max_length=3)
    source: str = Field(pattern=SLUG)
    # Whose idea it is when that is not the source's author, e.g.
    # "Neel Nanda, in a comment quoted by Marius Hobbhahn".
    credit: str | None = Field(default=None, max_length=200)
    try_this_week: str | None = Field(default=None, max_length=300)
    aliases: tuple[str, ...] = ()


class Testimonial(Strict):
    """A setback that was followed by doing well, retold briefly."""

    id: str = Field(pattern=SLUG)
    who: str = Field(min_length=1, max_length=120)
    stage: Stage
    setback: str = Field(min_length=5, max_length=300)
    later: str = Field(min_length=5, max_length=300)
    story: str = Field(min_length=20, max_length=700)
    source: str = Field(pattern=SLUG)
    credit: str | None = Field(default=None, max_length=200)
    facts: dict[str, str | int | float] = Field(default_factory=dict)


class NextStep(Strict):
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=10, max_length=400)
    source: str = Field(pattern=SLUG)


ResourceKind = Literal[
    "program", "hub", "job-board", "advising", "events", "map", "course", "community", "reading"
]
ResourceFormat = Literal["part-time", "full-time", "remote", "in-person", "self-paced"]


class Resource(Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    kind: ResourceKind
    url: HttpUrl
    summary: str = Field(min_length=10, max_length=300)
    format: tuple[ResourceFormat, ...] = ()
    source: str = Field(pattern=SLUG)


class CheckinPrompt(Strict):
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=10, max_length=200)
    source: str = Field(pattern=SLUG)


class ContentFile(Strict):
    """What one YAML file may hold."""

    sources: tuple[Source, ...] = ()
    topics: tuple[Topic, ...] = ()
    snippets: tuple[Snippet, ...] = ()
    testimonials: tuple[Testimonial, ...] = ()
    next_steps: tuple[NextStep, ...] = ()
    resources: tuple[Resource, ...] = ()
    checkin_prompts: tuple[CheckinPrompt, ...] = ()
