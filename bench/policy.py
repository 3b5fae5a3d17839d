"""`python -m bench policy`: dispute predictions per second and policy-pack load time.

Generates 100,000 varied valid cases (seeded, all three platforms; generation is not timed), then
predicts each with its platform's pack in one process. Prints predictions/s against the 5,000/s
target, the cold load time of each pack (parse, type-check, compile, self-test the examples), and a
baseline measured in the same run: validating the same cases from JSON (``from_dict``), so the
ratio says how prediction compares with merely reading a case.
"""

from __future__ import annotations

import json
import time

from disputes import Platform, from_dict, predict
from disputes.loader import load_pack_file, pack_path
from disputes.synthetic import generate_cases

CASES = 100_000
BASELINE_CASES = 10_000
TARGET_PER_S = 5_000.0
SEED = 20261122


def main() -> None:
    started = time.perf_counter()
    cases = generate_cases(CASES, seed=SEED)
    print(
        f"generated {len(cases):,} cases in {time.perf_counter() - started:.1f} s (not timed below)",
        flush=True,
    )

    packs = {}
    for platform in Platform:
        t0 = time.perf_counter()
        pack = load_pack_file(pack_path(platform.value))  # cold: parse, type-check, compile, self-test
        packs[platform] = pack
        print(
            f"load {pack.version:<18} {len(pack.rules):>4} rules  {(time.perf_counter() - t0) * 1000:7.1f} ms"
        )

    by_platform = {p: [c for c in cases if c.platform is p] for p in Platform}
    elapsed = 0.0
    for platform, group in by_platform.items():
        pack = packs[platform]
        t0 = time.perf_counter()
        for case in group:
            predict(case, pack)
        spent = time.perf_counter() - t0
        elapsed += spent
        print(
            f"predict  {platform.value:<7} {len(group):>7,} cases: {len(group) / spent:>9,.0f} predictions/s"
        )
    rate = len(cases) / elapsed
    print(
        f"predict  all     {len(cases):>7,} cases: {rate:>9,.0f} predictions/s "
        f"({elapsed:.2f} s, {elapsed / len(cases) * 1e6:.0f} µs each)"
    )
    print(f"ratio to target {TARGET_PER_S:,.0f}/s: {rate / TARGET_PER_S:.2f}x")

    wires = [json.dumps(c.to_dict()) for c in cases[:BASELINE_CASES]]
    t0 = time.perf_counter()
    for text in wires:
        from_dict(json.loads(text))
    base_rate = len(wires) / (time.perf_counter() - t0)
    print(
        f"baseline: from_dict of the same cases {base_rate:,.0f}/s; prediction costs "
        f"{base_rate / rate:.2f}x reading a case"
    )


if __name__ == "__main__":
    main()
