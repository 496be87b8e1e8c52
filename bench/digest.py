"""The output digest: one hash of what the bundled scenarios produce (a refactor keeps it).

Usage::

    .venv/bin/python bench/digest.py            # 5,000 worlds of each bundled scenario, seed 0
    .venv/bin/python bench/digest.py --runs 20000 --seed 3

Runs every runnable scenario in ``scenarios/`` (not ``article.yaml`` and ``prior.yaml``, which the
others extend, nor the record's replay ``record-*.yaml``) with one seed and hashes, per scenario,
what ``worlds.csv``, ``summary.json`` and ``daily.csv`` hold (the simulated numbers; the manifest
holds versions and paths, the figures hold pixels): the worlds table and the per-day aggregates as
CSV text, the summary as sorted JSON. It prints one line per scenario and the digest of them all. A
change that only moves code leaves the digest as it was; a change to the model's numbers changes it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scenario_digest(path: Path, runs: int, seed: int) -> str:
    """The sha256 of the simulated numbers of one scenario's run."""
    import sim

    results = sim.run(sim.load_scenario(path), runs=runs, seed=seed)
    daily = results.daily.to_frame()
    digest = hashlib.sha256()
    digest.update(results.worlds.to_csv(index=False).encode())
    digest.update(json.dumps(results.summary(), sort_keys=True).encode())
    digest.update(daily.to_csv(index=False).encode())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    total = hashlib.sha256()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        if path.stem in ("article", "prior"):
            continue  # shared defaults and priors; the runnable scenarios extend them
        if path.stem.startswith("record-"):
            continue  # the record's replay, for calibration (docs/record.md), not a what-if
        digest = scenario_digest(path, args.runs, args.seed)
        total.update(digest.encode())
        print(f"{path.stem:<20} {digest[:16]}")
    print(f"{'digest':<20} {total.hexdigest()[:16]}  ({args.runs} worlds, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
