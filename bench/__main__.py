"""`python -m bench [evidence|policy|server|batch ...]`: run benchmark suites and print their figures."""

from __future__ import annotations

import importlib
import sys
import time

SUITES = ("evidence", "policy", "server", "batch", "reuse")


def main(argv: list[str]) -> int:
    chosen = argv or list(SUITES)
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        print(f"unknown benchmark suite(s): {', '.join(unknown)}; choose from {', '.join(SUITES)}")
        return 2
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== bench {name} ===", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"=== bench {name}: {time.perf_counter() - started:.1f} s ===", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
