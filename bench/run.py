"""`make bench`: run every benchmark script in bench/ (each prints its own figures).

Arguments after `make bench BENCH_ARGS="..."` are passed to every script, e.g.
`make bench BENCH_ARGS="--rows 100000"` for a quicker pass than the default.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run.py", "__init__.py"})
    failed = 0
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script), *sys.argv[1:]]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
