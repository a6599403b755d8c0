"""Run benchmarks on two source trees side by side, in one run: before and after a change.

Each benchmark runs first on the base revision (a temporary git worktree), then on the
working tree, one after the other, and both outputs are printed under each other, so the
two tables of ratios come from the same machine at the same time. Each tree runs its own
copy of the benchmark script.

    python benchmarks/compare_revisions.py 4f7b4da \\
        "bench_transform.py" "bench_vectors_io.py --quick" "bench_training.py --quick"
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(tree: Path, command: str) -> str:
    """``python benchmarks/<command>`` with ``tree``'s skembed first on the path."""
    # the base worktree has no ../shared beside it: point both at this checkout's data
    data = os.environ.get("SKEMBED_DATA", str(REPO.parent / "shared" / "data" / "kim2014"))
    env = {**os.environ, "PYTHONPATH": str(tree), "SKEMBED_DATA": data}
    args = [sys.executable, "-P", str(tree / "benchmarks" / shlex.split(command)[0])]
    args += shlex.split(command)[1:]
    proc = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode:
        return f"(exit {proc.returncode})\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="the revision to compare with (e.g. a commit)")
    parser.add_argument("benchmarks", nargs="+", help="script and arguments, in benchmarks/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="skembed-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(base), args.base],
            check=True,
            capture_output=True,
        )
        try:
            for command in args.benchmarks:
                for name, tree in ((f"before ({args.base})", base), ("after (working tree)", REPO)):
                    print(f"\n### {command}: {name}\n", flush=True)
                    print(run(tree, command), flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)])


if __name__ == "__main__":
    main()
