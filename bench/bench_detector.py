"""Throughput of the rejection detector on one core.

`run()` returns (label, value) rows; `python -m bench.bench_detector` prints them.
Three kinds of input are timed separately:

- ordinary chat that the pre-filter turns away (the common case in a busy server),
- near misses that pass the pre-filter but are not rejections (code, statistics,
  someone else's news), which run the full pipeline,
- rejection reports, which also run the full pipeline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from cogs.encouragement.detector import classify

ORDINARY = (
    "anyone up for pairing on the arena exercises tonight?",
    "just pushed my first sae notebook to github",
    "what do people use for experiment tracking these days",
    "lol the reading group ran two hours over again",
    "is the mats application open for the winter cohort",
    "had a really good chat with my mentor about evals",
    "ngl this linear algebra course is kicking my butt 😅",
    "how much compute do you need to replicate the toy models paper",
    "what time is the office hours call on thursday",
    "thanks for the feedback on my cover letter!!",
    "i think i finally understand attention heads",
    "does anyone know a good intro to interpretability",
    "finished the week 2 exercises, onto week 3",
    "my gpu quota ran out halfway through the sweep 🙃",
    "the new lesswrong post on control is really good",
    "can someone explain what a residual stream is",
    "going to eag next month, anyone else?",
    "submitted the spar application, fingers crossed",
    "wrote 500 words of my research log today",
    "coffee chat with a researcher went well, she was super kind",
)

NEAR_MISSES = (
    "we reject the null at p < 0.05",
    "rejection sampling is slow for long prompts",
    "! [rejected] main -> main (non-fast-forward)",
    "unhandled promise rejection in the webhook handler",
    "my friend got rejected from mats, how can i help",
    "if i get rejected i'll apply again in the spring",
    "i turned down the offer, the team was not a fit",
    "still waiting to hear back from the fellowship",
    "got accepted!! after two rejections 🎉",
    "> got rejected from mats\nsorry, that sucks",
)

REJECTIONS = (
    "got rejected from mats today 😞",
    "they went with another candidate after the final round",
    "my neurips paper got rejected",
    "ltff turned down my grant",
    "didnt get into spar this round",
    "wasn't selected for the fellowship",
    "ghosted after the onsite, 5 weeks now",
    "rejcted from every internship i applied to lol",
    "got the 'unfortunately' email this morning",
    "not extended an offer after the work trial",
)


def _rate(fn: Callable[[str], object], msgs: Sequence[str], seconds: float) -> float:
    """Best messages-per-second over three timed runs of about `seconds` each."""
    best = 0.0
    for _ in range(3):
        n = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for text in msgs:
                fn(text)
            n += len(msgs)
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, n / (now - start))
    return best


def run(seconds: float = 0.3) -> list[tuple[str, str]]:
    # sanity: the inputs are what they claim to be
    assert not any(classify(t).rejection for t in ORDINARY + NEAR_MISSES)
    assert all(classify(t).rejection for t in REJECTIONS)
    rows: list[tuple[str, str]] = []
    for label, msgs in (
        ("ordinary chat (pre-filter rejects)", ORDINARY),
        ("near misses (full pipeline, not rejections)", NEAR_MISSES),
        ("rejection reports (full pipeline)", REJECTIONS),
    ):
        rate = _rate(classify, msgs, seconds)
        rows.append((f"detector, {label}", f"{rate:,.0f} msg/s on one core"))
        rows.append((f"detector, {label}, per message", f"{1e6 / rate:.1f} µs"))
    return rows


def main() -> None:
    rows = run()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
