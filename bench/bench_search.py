"""Advice search benchmark: index build time and query latency (p50/p99, microseconds).

Two corpora:

* the bundled library (``advice/*.yaml``), queried with every question in
  ``tests/data/advice_questions.yaml``;
* 10,000 synthetic snippets. Their text is drawn, with ``random.Random(0)``, from the
  library's own word frequencies (stop words included) mixed with a long tail of
  made-up words, so term statistics look like a much bigger advice library. They are
  queried with the same questions plus made-up-word queries.

Latency is reported as wall time and as CPU time (``time.thread_time``); on a shared,
busy machine the wall-time tail mostly measures the scheduler. A cold build includes
loading the synonym map and stemming every word once (stems are cached per process).

Run ``python -m bench.bench_search`` or ``make bench``.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path

import yaml

from bot.content.loader import load_library
from bot.content.search import SearchDoc, SearchIndex, snippet_doc

ROOT = Path(__file__).resolve().parents[1]
ADVICE = ROOT / "advice"
QUESTIONS = ROOT / "tests" / "data" / "advice_questions.yaml"
SYNTHETIC_DOCS = 10_000
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "da", "gu", "ri", "zo", "fa")


def questions() -> list[str]:
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [str(item["q"]) for item in data["questions"]]


def library_docs() -> list[SearchDoc]:
    library = load_library(ADVICE)
    return [snippet_doc(s) for s in library.snippets.values()]


def synthetic_docs(n: int = SYNTHETIC_DOCS, seed: int = 0) -> tuple[list[SearchDoc], list[str]]:
    """``n`` deterministic pseudo-snippets, and the made-up words used in them."""
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for doc in library_docs():
        counts.update(re.findall(r"[a-z]+", f"{doc.title} {doc.body}".lower()))
    real = sorted(counts)
    real_cum = list(accumulate(counts[w] for w in real))
    made_up = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(20_000)}
    )
    rng.shuffle(made_up)
    tail_cum = list(accumulate(1.0 / (rank + 10) for rank in range(len(made_up))))

    def words(k: int) -> str:
        n_real = sum(rng.random() < 0.8 for _ in range(k))
        out = rng.choices(real, cum_weights=real_cum, k=n_real)
        out += rng.choices(made_up, cum_weights=tail_cum, k=k - n_real)
        rng.shuffle(out)
        return " ".join(out)

    topics = ("applying", "rejection", "research-skills", "burnout", "programs", "job-search")
    docs = [
        SearchDoc(
            id=f"synthetic-{i}",
            title=words(rng.randint(3, 8)),
            body=words(rng.randint(40, 90)),
            topics=tuple(rng.sample(topics, rng.randint(1, 3))),
            aliases=tuple(words(rng.randint(1, 2)) for _ in range(rng.randint(2, 6))),
        )
        for i in range(n)
    ]
    return docs, made_up


def _latencies(index: SearchIndex, queries: Sequence[str], rounds: int) -> dict[str, list[float]]:
    """Per-query wall and CPU time (microseconds); CPU time ignores a busy machine's waits."""
    for q in queries:  # warm caches (stems, typo index) the way a running bot would have
        index.search(q)
    wall: list[float] = []
    cpu: list[float] = []
    clock, cpu_clock = time.perf_counter, time.thread_time
    for _ in range(rounds):
        for q in queries:
            started, cpu_started = clock(), cpu_clock()
            index.search(q)
            cpu.append((cpu_clock() - cpu_started) * 1e6)
            wall.append((clock() - started) * 1e6)
    return {"wall": wall, "cpu": cpu}


def _percentiles(times: dict[str, list[float]]) -> str:
    parts = []
    for kind, values in times.items():
        ordered = sorted(values)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        parts.append(f"{kind} p50 {p50:,.0f} us, p99 {p99:,.0f} us")
    return "; ".join(parts) + f" ({len(next(iter(times.values())))} queries)"


def _timed(build: Callable[[], SearchIndex]) -> tuple[SearchIndex, float]:
    started = time.perf_counter()
    index = build()
    return index, (time.perf_counter() - started) * 1000


def run() -> list[tuple[str, str]]:
    qs = questions()
    rows: list[tuple[str, str]] = []

    docs = library_docs()
    index, ms = _timed(lambda: SearchIndex(docs))
    rows.append((f"library: build index, cold ({len(docs)} snippets)", f"{ms:,.1f} ms"))
    index, ms = _timed(lambda: SearchIndex(docs))
    rows.append(("library: build index, warm stem cache", f"{ms:,.1f} ms"))
    rows.append(("library: search (questions file)", _percentiles(_latencies(index, qs, 20))))

    synthetic, made_up = synthetic_docs()
    index, ms = _timed(lambda: SearchIndex(synthetic))
    rows.append((f"synthetic: build index ({len(synthetic):,} snippets)", f"{ms:,.0f} ms"))
    rows.append(("synthetic: search (questions file)", _percentiles(_latencies(index, qs, 5))))
    rng = random.Random(1)
    odd = [" ".join(rng.sample(made_up[:2000], rng.randint(1, 4))) for _ in range(300)]
    rows.append(("synthetic: search (made-up words)", _percentiles(_latencies(index, odd, 2))))

    started = time.perf_counter()
    extra = SearchDoc("bench-extra", "community snippet", "added at runtime " * 10, ("burnout",))
    for _ in range(100):
        index.add(extra)
        index.remove(extra.id)
    rows.append(
        ("synthetic: add + remove one snippet", f"{(time.perf_counter() - started) * 1e4:,.0f} us")
    )
    return rows


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label}: {figure}")
