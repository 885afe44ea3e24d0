"""How long the `healthgap` command takes to start: `--help` and `scenarios`, median of repeats.

Each command runs in a fresh process (as a user meets it), with the interpreter running this
script. Target: under 0.5 s each.

    python benchmarks/startup.py
    python benchmarks/startup.py --repeats 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import header, write_result  # noqa: E402

COMMANDS = {"help": ["--help"], "scenarios": ["scenarios"]}
TARGET_SECONDS = 0.5


def seconds(args: list[str]) -> float:
    """Wall seconds for one `python -m healthgap ARGS` to finish (it must succeed)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "healthgap", *args], check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(header())
    seconds(["--help"])  # warm the file cache once, untimed
    result = {"repeats": args.repeats, "target_seconds": TARGET_SECONDS}
    for name, command in COMMANDS.items():
        times = [seconds(command) for _ in range(args.repeats)]
        median = statistics.median(times)
        result[name] = {"seconds": [round(t, 3) for t in times], "median_seconds": round(median, 3)}
        verdict = "meets" if median < TARGET_SECONDS else "MISSES"
        print(
            f"healthgap {' '.join(command)}: median {median:.3f} s of {args.repeats} "
            f"({verdict} the {TARGET_SECONDS} s target)"
        )
    print(f"written to {write_result('startup', result)}")
    return result


if __name__ == "__main__":
    main()
