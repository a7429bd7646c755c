"""Load and validate `advice/*.yaml` at start-up; a bad file stops start-up with file, line, reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.schema import (
    CheckinPrompt,
    ContentFile,
    NextStep,
    Resource,
    Snippet,
    Source,
    Testimonial,
    Topic,
)
from bot.errors import ContentError

# Files in advice/ that are not content sections (read by their own modules).
NOT_CONTENT = {"synonyms.yaml"}


@dataclass
class Library:
    sources: dict[str, Source] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    snippets: dict[str, Snippet] = field(default_factory=dict)
    testimonials: dict[str, Testimonial] = field(default_factory=dict)
    next_steps: dict[str, NextStep] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    checkin_prompts: dict[str, CheckinPrompt] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "sources": len(self.sources),
            "topics": len(self.topics),
            "snippets": len(self.snippets),
            "testimonials": len(self.testimonials),
            "next_steps": len(self.next_steps),
            "resources": len(self.resources),
            "checkin_prompts": len(self.checkin_prompts),
        }


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(k): v for k, v in loader.construct_mapping(node, deep=True).items()
    }
    lines = {"__line__": node.start_mark.line + 1}
    for key_node, _ in node.value:
        lines[f"__line__{key_node.value}"] = key_node.start_mark.line + 1
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip_lines(v) for k, v in data.items() if k != "__lines__"}
    if isinstance(data, list):
        return [_strip_lines(v) for v in data]
    return data


def _line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    line = None
    node = data
    for part in loc:
        if isinstance(node, dict):
            lines = node.get("__lines__", {})
            line = lines.get(f"__line__{part}", lines.get("__line__", line))
            node = node.get(str(part))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__lines__", {}).get("__line__", line)
        else:
            break
    return line


def load_file(path: Path) -> ContentFile:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ContentError(
            f"{path}{where}: not valid YAML ({getattr(err, 'problem', err)})"
        ) from None
    if raw is None:
        return ContentFile()
    if not isinstance(raw, dict):
        raise ContentError(f"{path}:1: the top level must be a mapping of sections")
    try:
        return ContentFile.model_validate(_strip_lines(raw))
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(raw, loc)
        where = f":{line}" if line else ""
        dotted = ".".join(str(p) for p in loc)
        raise ContentError(f"{path}{where}: {dotted}: {first['msg']}") from None


_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], Library] = {}


def load_library(directory: Path) -> Library:
    """Load every content file; treat the result as read-only (it is shared while files are unchanged)."""
    if not directory.is_dir():
        raise ContentError(f"{directory}: content folder not found")
    stamp = tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.yaml"))
    )
    key = (str(directory.resolve()), stamp)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    lib = _load(directory)
    if len(_CACHE) >= 4:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = lib
    return lib


def _load(directory: Path) -> Library:
    lib = Library()
    for path in sorted(directory.glob("*.yaml")):
        if path.name in NOT_CONTENT:
            continue
        content = load_file(path)
        lib.files.append(path)
        for section in (
            "sources",
            "topics",
            "snippets",
            "testimonials",
            "next_steps",
            "resources",
            "checkin_prompts",
        ):
            target: dict[str, Any] = getattr(lib, section)
            for item in getattr(content, section):
                key = item.slug if isinstance(item, Topic) else item.id
                if key in target:
                    raise ContentError(f"{path}: {section}: id {key!r} is used twice")
                target[key] = item
    _check_references(lib)
    return lib


def _check_references(lib: Library) -> None:
    for section in ("snippets", "testimonials", "next_steps", "resources", "checkin_prompts"):
        for item in getattr(lib, section).values():
            if item.source not in lib.sources:
                raise ContentError(f"{section}: {item.id!r} cites unknown source {item.source!r}")
    for snippet in lib.snippets.values():
        for topic in snippet.topics:
            if topic not in lib.topics:
                raise ContentError(f"snippets: {snippet.id!r} has unknown topic {topic!r}")
