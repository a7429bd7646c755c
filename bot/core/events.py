"""Neutral events that adapters build from platform payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Platform = Literal["console", "discord", "slack"]


@dataclass(frozen=True)
class User:
    id: str
    name: str
    platform: Platform = "console"
    is_bot: bool = False
    # The platform's own admin right: Discord "Manage Server", Slack workspace admin/owner.
    is_admin: bool = False
    roles: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True)
class Community:
    """A Discord guild, a Slack workspace, or the local console."""

    id: str
    name: str = ""
    platform: Platform = "console"

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


@dataclass(frozen=True)
class Channel:
    id: str
    name: str = ""
    is_dm: bool = False
    # Set when the event happened inside a thread: Discord thread channel id, Slack thread_ts.
    thread_id: str | None = None


@dataclass(frozen=True)
class Incoming:
    """A chat message seen by a listener."""

    id: str
    user: User
    community: Community
    channel: Channel
    text: str
    is_edit: bool = False
    mentions_bot: bool = False
    # Title or first line of the thread this message is in, when known (for "no bot" markers).
    thread_title: str = ""
    thread_starter_id: str | None = None


@dataclass(frozen=True)
class Click:
    """A button press. `action` is "cog:name"; `value` is the string the button carried."""

    action: str
    value: str
    user: User
    community: Community
    channel: Channel
    message_id: str | None = None


@dataclass(frozen=True)
class FormSubmit:
    form_id: str
    values: dict[str, str]
    user: User
    community: Community
    channel: Channel
    meta: str = ""
    extra: dict[str, str] = field(default_factory=dict)
