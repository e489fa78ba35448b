"""`make bench`: run the benchmark scripts in bench/ (each prints its own figures).

    make bench                                   # every script, with its defaults
    make bench BENCH=reports BENCH_ARGS="--applications 10000000"
    make bench BENCH=inquiry,ocsp

BENCH names the scripts to run (comma-separated stems); BENCH_ARGS go to each of them, so
give BENCH when the arguments are one script's own (--rows, --cards, --applications differ).
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
