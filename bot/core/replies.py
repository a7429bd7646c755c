"""What cogs return: replies, cards, buttons and forms. Adapters render them natively.

Text here is a small markdown subset: **bold**, _italic_, `code`, [label](url), and
lines starting with "- ". Adapters convert it; user text is always neutralised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ButtonStyle = Literal["primary", "secondary", "danger", "success"]
Colour = Literal["default", "info", "success", "warning", "danger"]


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # "cog:name", routed to an @on_click handler
    value: str = ""
    style: ButtonStyle = "secondary"
    url: str | None = None  # a link button opens the url and sends no click


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Card:
    title: str
    body: str = ""
    fields: tuple[Field, ...] = ()
    url: str | None = None
    footer: str = ""
    colour: Colour = "default"


@dataclass(frozen=True)
class Attachment:
    """A file to upload with the reply (e.g. a PNG chart)."""

    filename: str
    data: bytes
    title: str = ""

    @classmethod
    def from_path(cls, path: Path, title: str = "") -> Attachment:
        return cls(path.name, path.read_bytes(), title)


@dataclass(frozen=True)
class Reply:
    text: str = ""
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    # Private replies are ephemeral on Discord and Slack; only the member sees them.
    private: bool = False
    attachment: Attachment | None = None
    # Replace the message the click came from instead of sending a new one.
    replace: bool = False

    @classmethod
    def of(cls, value: Reply | str | Card) -> Reply:
        if isinstance(value, Reply):
            return value
        if isinstance(value, Card):
            return cls(cards=(value,))
        return cls(text=value)


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    style: Literal["short", "long"] = "short"
    required: bool = True
    max_length: int = 200
    placeholder: str = ""
    default: str = ""


@dataclass(frozen=True)
class Form:
    """A modal dialog. `id` is "cog:name", routed to an @on_submit handler."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    meta: str = ""  # opaque state carried back on submit (e.g. a posting id)

    def __post_init__(self) -> None:
        if not 1 <= len(self.fields) <= 5:
            raise ValueError("a form has 1 to 5 fields")


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives, so it can be edited or threaded later."""

    channel_id: str
    message_id: str
    thread_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
