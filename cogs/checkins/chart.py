"""The 12-week chart: members who set goals and who reported back, as a PNG.

Rendered with matplotlib's object API on the Agg canvas (no pyplot global state), so it
is safe to run in a worker thread: call `render_png` through `asyncio.to_thread`.
matplotlib is imported on first use, so start-up and memory do not pay for it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

GOALS_COLOUR = "#4C72B0"
REPORTED_COLOUR = "#55A868"


def render_png(
    labels: Sequence[str], set_goals: Sequence[int], reported: Sequence[int], title: str
) -> bytes:
    if not (len(labels) == len(set_goals) == len(reported)):
        raise ValueError("one label and two counts per week")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(len(labels)))
    width = 0.38
    ax.bar([x - width / 2 for x in xs], set_goals, width, label="set goals", color=GOALS_COLOUR)
    ax.bar(
        [x + width / 2 for x in xs], reported, width, label="reported back", color=REPORTED_COLOUR
    )
    ax.set_xticks(xs, list(labels), fontsize=8)
    ax.set_ylabel("members")
    ax.set_title(title, fontsize=11)
    top = max([*set_goals, *reported, 1])
    ax.set_ylim(0, top + max(1, round(top * 0.15)))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
