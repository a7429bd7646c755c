"""Decorators that mark cog methods as commands, listeners, click/form handlers and jobs.

They only record metadata on the function; the registry wires it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

OptionKind = Literal["str", "int", "bool", "channel", "user"]
Permission = Literal["member", "moderator", "admin"]

F = TypeVar("F", bound=Callable[..., Any])
META = "__coinflip__"


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    kind: OptionKind = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    # Name of a cog method `async (ctx_community, partial: str) -> list[str]` for suggestions.
    autocomplete: str | None = None
    max_length: int = 1000
    min_value: int | None = None
    max_value: int | None = None
    # In text syntax (Slack, console), this option takes the rest of the words.
    rest: bool = False


@dataclass(frozen=True)
class CommandSpec:
    path: str  # "advice" or "advice search": words separated by one space
    description: str
    options: tuple[Option, ...] = ()
    permission: Permission = "member"
    # Answer privately unless the handler says otherwise (deferrals follow this too).
    private: bool = True
    # The handler opens a form first thing; adapters must not defer before it.
    opens_form: bool = False
    # Discord cannot invoke a command that also has subcommands; it is exposed as
    # "<path> <discord_leaf>" there.
    discord_leaf: str = "show"

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.path.split(" "))


@dataclass(frozen=True)
class ListenerSpec:
    event: Literal["message"]


@dataclass(frozen=True)
class ClickSpec:
    action: str  # local name; the registry prefixes the cog name: "<cog>:<name>"


@dataclass(frozen=True)
class SubmitSpec:
    form: str


@dataclass(frozen=True)
class EverySpec:
    seconds: float
    name: str
    first_after: float = 5.0


@dataclass
class Marks:
    items: list[object] = field(default_factory=list)


def _mark(func: Any, spec: object) -> None:
    marks = getattr(func, META, None)
    if marks is None:
        marks = Marks()
        setattr(func, META, marks)
    marks.items.append(spec)


def command(
    path: str,
    description: str,
    *options: Option,
    permission: Permission = "member",
    private: bool = True,
    opens_form: bool = False,
    discord_leaf: str = "show",
) -> Callable[[F], F]:
    spec = CommandSpec(
        " ".join(path.split()),
        description,
        tuple(options),
        permission,
        private,
        opens_form,
        discord_leaf,
    )

    def deco(func: F) -> F:
        _mark(func, spec)
        return func

    return deco


def listen(event: Literal["message"] = "message") -> Callable[[F], F]:
    def deco(func: F) -> F:
        _mark(func, ListenerSpec(event))
        return func

    return deco


def on_click(action: str) -> Callable[[F], F]:
    def deco(func: F) -> F:
        _mark(func, ClickSpec(action))
        return func

    return deco


def on_submit(form: str) -> Callable[[F], F]:
    def deco(func: F) -> F:
        _mark(func, SubmitSpec(form))
        return func

    return deco


def every(seconds: float, *, first_after: float = 5.0) -> Callable[[F], F]:
    """Run the method periodically (e.g. a sweep for due reminders)."""

    def deco(func: F) -> F:
        _mark(func, EverySpec(seconds, func.__name__, first_after))
        return func

    return deco


def marks_of(func: Any) -> list[object]:
    marks = getattr(func, META, None)
    return list(marks.items) if marks else []
