"""Digital-twin bench: wall time of `hoviat planning simulate` (promises asked inside, as the
command does) at the given scales.

    .venv/bin/python bench/planning.py [--months 24] [--scales 0.001,0.01] [--seed 1]

Targets (issue 18): 24 months at 0.001 in ≤ 60 s; at 0.01 in ≤ 10 minutes. Runs the command in
a child process (Django start-up included, as a director would run it) and prints wall and CPU
seconds, the applications simulated and the promise accuracy of each run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--scales", default="0.001,0.01")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOVIAT_DEBUG": "true"}
    for scale in (float(s) for s in args.scales.split(",") if s):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "planning", "simulate", "--months", str(args.months),
             "--scale", str(scale), "--seed", str(args.seed), "--format", "json"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            print(f"scale {scale}: failed: {done.stderr.strip()}")
            return 1
        result = json.loads(done.stdout)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        promise = result["promise"]
        print(
            f"simulate --months {args.months} --scale {scale}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
            f"peak RSS {after.ru_maxrss / 1024:.0f} MiB, {result['applications']:,} applications; "
            f"promise at enrolment {promise['enrolment']['share']:.1%} within ±2 d, "
            f"at booking {promise['booking']['share']:.1%} within ±5 d; "
            f"p95 request to card {result['lead_time_days']['p95']} d"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
