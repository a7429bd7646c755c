"""`make bench`: run every benchmark module and print its figures (numbers, never pass/fail)."""

from __future__ import annotations

import importlib
import sys
import time
import traceback

MODULES = ("bench_discord", "bench_slack", "bench_search", "bench_detector")


def main(argv: list[str]) -> int:
    wanted = argv or list(MODULES)
    failed = 0
    for name in wanted:
        started = time.perf_counter()
        print(f"\n## {name}")
        try:
            module = importlib.import_module(f"bench.{name}")
            rows = module.run()
        except Exception:
            failed += 1
            print(f"(could not run {name})")
            traceback.print_exc()
            continue
        width = max((len(label) for label, _ in rows), default=0)
        for label, figure in rows:
            print(f"  {label.ljust(width)}  {figure}")
        print(f"  ({time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
