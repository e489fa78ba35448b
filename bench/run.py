"""`make bench`: run the benchmark scripts in bench/ (each prints its own figures).

    make bench                                   # every script, with its defaults
    make bench BENCH=reports BENCH_ARGS="--applications 10000000"
    make bench BENCH=inquiry,ocsp

BENCH names the scripts to run (comma-separated stems); BENCH_ARGS go to each of them. The
scripts' options differ (--rows, --cards, --days, --applications mean different things, and
some scripts refuse options they do not know), so options without BENCH are refused rather
than handed to every script.
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated script names (stems)")
    args, rest = parser.parse_known_args()
    if rest and not args.only:
        parser.error(
            f"{' '.join(rest)}: options belong to one script; name it: "
            f'make bench BENCH=<script> BENCH_ARGS="{" ".join(rest)}"'
        )
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and p.name[0] != "_")
    if args.only:
        wanted = {name.strip().removesuffix(".py") for name in args.only.split(",") if name}
        unknown = wanted - {p.stem for p in scripts}
        if unknown:
            names = ", ".join(p.stem for p in scripts)
            parser.error(f"no benchmark named {', '.join(sorted(unknown))} (there are: {names})")
        scripts = [p for p in scripts if p.stem in wanted]
    failed = 0
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script), *rest]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
