"""Finds cogs, loads and unloads them with rollback, and indexes what they offer."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.cog import Cog
from bot.core.commands import ClickSpec, CommandSpec, EverySpec, ListenerSpec, SubmitSpec, marks_of

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("coinflip.registry")
Handler = Callable[..., Awaitable[Any]]


class RegistryError(Exception):
    pass


@dataclass(frozen=True)
class BoundCommand:
    spec: CommandSpec
    cog: Cog
    func: Handler


@dataclass
class Loaded:
    cog: Cog
    commands: list[str] = field(default_factory=list)
    clicks: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    listeners: list[tuple[str, Handler]] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)


class Registry:
    def __init__(self, app: App) -> None:
        self.app = app
        self.commands: dict[str, BoundCommand] = {}
        self.clicks: dict[str, Handler] = {}
        self.forms: dict[str, Handler] = {}
        self.listeners: dict[str, list[Handler]] = {}
        self.loaded: dict[str, Loaded] = {}

    @staticmethod
    def discover(package: str = "cogs") -> list[type[Cog]]:
        """Every public subpackage of `package` that exports `COG`, sorted by name."""
        pkg = importlib.import_module(package)
        found: list[type[Cog]] = []
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package}.{info.name}")
            cog_cls = getattr(module, "COG", None)
            if isinstance(cog_cls, type) and issubclass(cog_cls, Cog):
                found.append(cog_cls)
        return found

    async def load(self, cog_cls: type[Cog]) -> Cog:
        name = cog_cls.name
        if not name:
            raise RegistryError(f"{cog_cls.__qualname__} has no name")
        if name in self.loaded:
            raise RegistryError(f"cog {name!r} is already loaded")
        cog = cog_cls(self.app)
        entry = Loaded(cog)
        try:
            self._bind(cog, entry)
            await cog.setup()
            for attr in dir(type(cog)):
                for spec in marks_of(getattr(type(cog), attr, None)):
                    if isinstance(spec, EverySpec):
                        job_id = f"{name}.{spec.name}"
                        self.app.scheduler.add_interval(
                            job_id, getattr(cog, attr), spec.seconds, first_after=spec.first_after
                        )
                        entry.jobs.append(job_id)
        except Exception:
            self._unbind(entry)
            raise
        self.loaded[name] = entry
        log.info("cog loaded name=%s commands=%d", name, len(entry.commands))
        return cog

    async def unload(self, name: str) -> None:
        entry = self.loaded.pop(name, None)
        if entry is None:
            raise RegistryError(f"cog {name!r} is not loaded")
        self._unbind(entry)
        await entry.cog.teardown()
        log.info("cog unloaded name=%s", name)

    async def unload_all(self) -> None:
        for name in reversed(list(self.loaded)):
            try:
                await self.unload(name)
            except Exception:
                log.exception("cog teardown failed name=%s", name)

    def _bind(self, cog: Cog, entry: Loaded) -> None:
        for attr in sorted(dir(type(cog))):
            func = getattr(type(cog), attr, None)
            for spec in marks_of(func):
                bound = getattr(cog, attr)
                if isinstance(spec, CommandSpec):
                    if spec.path in self.commands:
                        other = self.commands[spec.path].cog.name
                        raise RegistryError(
                            f"command {spec.path!r} of {cog.name!r} is already defined by {other!r}"
                        )
                    self.commands[spec.path] = BoundCommand(spec, cog, bound)
                    entry.commands.append(spec.path)
                elif isinstance(spec, ClickSpec):
                    key = cog.action(spec.action)
                    if key in self.clicks:
                        raise RegistryError(f"button {key!r} is defined twice")
                    self.clicks[key] = bound
                    entry.clicks.append(key)
                elif isinstance(spec, SubmitSpec):
                    key = cog.action(spec.form)
                    if key in self.forms:
                        raise RegistryError(f"form {key!r} is defined twice")
                    self.forms[key] = bound
                    entry.forms.append(key)
                elif isinstance(spec, ListenerSpec):
                    self.listeners.setdefault(spec.event, []).append(bound)
                    entry.listeners.append((spec.event, bound))

    def _unbind(self, entry: Loaded) -> None:
        for path in entry.commands:
            self.commands.pop(path, None)
        for key in entry.clicks:
            self.clicks.pop(key, None)
        for key in entry.forms:
            self.forms.pop(key, None)
        for event, handler in entry.listeners:
            handlers = self.listeners.get(event, [])
            if handler in handlers:
                handlers.remove(handler)
        for job_id in entry.jobs:
            self.app.scheduler.remove(job_id)
        entry.commands.clear()
        entry.clicks.clear()
        entry.forms.clear()
        entry.listeners.clear()
        entry.jobs.clear()

    # -- lookups -------------------------------------------------------------

    def sorted_commands(self) -> list[BoundCommand]:
        return [self.commands[p] for p in sorted(self.commands)]

    def match_words(self, words: list[str]) -> tuple[BoundCommand | None, list[str]]:
        """Longest command path that prefixes `words` (case-insensitive); returns the rest."""
        lowered = [w.lower() for w in words]
        for n in range(min(len(words), 3), 0, -1):
            bound = self.commands.get(" ".join(lowered[:n]))
            if bound:
                return bound, words[n:]
        return None, words

    def is_group(self, path: str) -> bool:
        prefix = path + " "
        return any(p.startswith(prefix) for p in self.commands)
