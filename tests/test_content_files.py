"""Every `advice/*.yaml` file (except synonyms.yaml) against the schema and the library's rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content.schema import ContentFile
from bot.content.search import DEFAULT_SYNONYMS_PATH, load_synonyms

ROOT = Path(__file__).resolve().parent.parent
ADVICE = ROOT / "advice"
NOT_CONTENT = {"synonyms.yaml"}

REQUIRED_TOPICS = {
    "getting-started",
    "mentorship",
    "legible-evidence",
    "applying",
    "interviews",
    "rejection",
    "planning",
    "upskilling",
    "research-skills",
    "burnout",
    "personal-fit",
    "impact",
    "programs",
    "job-search",
    "working-professionals",
    "honesty",
    "self-assessment",
    "use-ai",
}
ESSAY_SOURCES = {
    "hobbhahn-job-market",
    "wang-technical-ai-safety",
    "career-exploration-blog",
    "chan-noisy-evaluations",
    "bailey-first-year",
}
REQUIRED_RESOURCES = (
    "MATS",
    "SPAR",
    "MARS",
    "Astra",
    "ARENA",
    "AI Safety Camp",
    "80,000 Hours job board",
    "80,000 Hours advising",
    "AISafety.com events",
    "AISafety.com map",
    "Arkose",
)
SECTIONS = (
    "sources",
    "topics",
    "snippets",
    "testimonials",
    "next_steps",
    "resources",
    "checkin_prompts",
)
MIN_SNIPPETS = 60
MIN_PER_TOPIC = 3


def _files() -> list[Path]:
    return [p for p in sorted(ADVICE.glob("*.yaml")) if p.name not in NOT_CONTENT]


@pytest.fixture(scope="module")
def contents() -> dict[str, ContentFile]:
    return {
        p.name: ContentFile.model_validate(yaml.safe_load(p.read_text("utf-8")) or {})
        for p in _files()
    }


def _all(contents: dict[str, ContentFile], section: str) -> list:
    return [item for c in contents.values() for item in getattr(c, section)]


def test_every_file_matches_the_schema() -> None:
    files = _files()
    assert files, "no content files in advice/"
    for path in files:
        data = yaml.safe_load(path.read_text("utf-8"))
        assert isinstance(data, dict), f"{path.name}: top level must be a mapping"
        ContentFile.model_validate(data)  # raises with the field at fault


def test_synonyms_file_is_separate_and_loads() -> None:
    synonyms = load_synonyms(DEFAULT_SYNONYMS_PATH)
    assert len(synonyms) >= 50
    assert not set(yaml.safe_load(DEFAULT_SYNONYMS_PATH.read_text("utf-8"))) & set(SECTIONS)


def test_ids_are_unique_across_files(contents: dict[str, ContentFile]) -> None:
    for section in SECTIONS:
        keys = [item.slug if section == "topics" else item.id for item in _all(contents, section)]
        dupes = [k for k, n in Counter(keys).items() if n > 1]
        assert not dupes, f"{section}: ids used more than once: {dupes}"


def test_required_topics_present(contents: dict[str, ContentFile]) -> None:
    slugs = {t.slug for t in _all(contents, "topics")}
    assert REQUIRED_TOPICS <= slugs, sorted(REQUIRED_TOPICS - slugs)
    for topic in _all(contents, "topics"):
        assert topic.aliases, f"topic {topic.slug} has no aliases"


def test_snippet_topics_are_known(contents: dict[str, ContentFile]) -> None:
    slugs = {t.slug for t in _all(contents, "topics")}
    for snippet in _all(contents, "snippets"):
        unknown = set(snippet.topics) - slugs
        assert not unknown, f"snippet {snippet.id}: unknown topics {sorted(unknown)}"


def test_sources_exist_and_have_links(contents: dict[str, ContentFile]) -> None:
    sources = {s.id: s for s in _all(contents, "sources")}
    assert ESSAY_SOURCES <= set(sources)
    for source in sources.values():
        assert source.url or source.link_note, f"source {source.id} has no link"
    for section in ("snippets", "testimonials", "next_steps", "resources", "checkin_prompts"):
        for item in _all(contents, section):
            assert item.source in sources, f"{section}: {item.id} cites unknown {item.source}"


def test_enough_snippets_and_each_topic_covered(contents: dict[str, ContentFile]) -> None:
    snippets = _all(contents, "snippets")
    assert len(snippets) >= MIN_SNIPPETS
    per_topic = Counter(t for s in snippets for t in s.topics)
    thin = {t: per_topic[t] for t in REQUIRED_TOPICS if per_topic[t] < MIN_PER_TOPIC}
    assert not thin, f"topics with fewer than {MIN_PER_TOPIC} snippets: {thin}"
    used = {s.source for s in snippets}
    assert ESSAY_SOURCES <= used, f"essays with no snippets: {sorted(ESSAY_SOURCES - used)}"


def test_length_limits(contents: dict[str, ContentFile]) -> None:
    for s in _all(contents, "snippets"):
        assert len(s.body) <= 700, s.id
        assert len(s.title) <= 120, s.id
        assert 1 <= len(s.topics) <= 3, s.id
        assert s.try_this_week is None or len(s.try_this_week) <= 300, s.id
        assert s.credit is None or len(s.credit) <= 200, s.id
    for t in _all(contents, "topics"):
        assert len(t.title) <= 60 and len(t.description) <= 200, t.slug
    for r in _all(contents, "resources"):
        assert len(r.summary) <= 300, r.id
    for c in _all(contents, "checkin_prompts"):
        assert len(c.text) <= 200, c.id


def test_resources_include_named_programs_and_hubs(contents: dict[str, ContentFile]) -> None:
    names = [r.name.lower() for r in _all(contents, "resources")]
    missing = [n for n in REQUIRED_RESOURCES if not any(n.lower() in name for name in names)]
    assert not missing, f"resources missing: {missing}"
    for r in _all(contents, "resources"):
        assert r.url.scheme == "https", r.id


def test_enough_checkin_prompts(contents: dict[str, ContentFile]) -> None:
    prompts = _all(contents, "checkin_prompts")
    assert len(prompts) >= 12
    assert len({p.text for p in prompts}) == len(prompts)
