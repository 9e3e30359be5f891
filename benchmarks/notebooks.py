"""Time and peak memory of executing each chapter notebook.

    python benchmarks/notebooks.py chapters/*.ipynb --output benchmarks/results.md

Each notebook runs in a fresh child process (executing a copy, so committed
outputs are untouched); the wall time covers kernel start-up and every cell,
and the peak memory is the largest resident set of that process and its
kernel (``ru_maxrss`` of ``RUSAGE_SELF`` and ``RUSAGE_CHILDREN``, read inside
that process).  Budget: each notebook <= 60 s and <= 1.5 GB on 2 cores.

The notebooks run with ``LECTURELIB_PROGRESS=0``, as ``make execute`` and
nbval run them: with the training loop's Jupyter progress bars on, a
headless client sometimes waits for a reply the kernel has already sent
until the cell's timeout (nbclient issue 312; seen here as 600 s stalls in
Chapters 4 and 6).  A reader's Jupyter draws the bars only for runs longer
than ``lecturelib.torchkit.training.PROGRESS_DELAY`` (1 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BUDGET_SECONDS = 60.0
BUDGET_MB = 1536.0


def run_one(path: Path) -> None:
    """Executed in the child process: run the notebook, discard the outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def measure(path: Path) -> tuple[float, float]:
    """(wall seconds, peak MB) of executing ``path`` in a child process."""
    start = time.perf_counter()
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import notebooks, pathlib, resource; notebooks.run_one(pathlib.Path({str(path)!r})); "
            "print(max(resource.getrusage(who).ru_maxrss "
            "for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))")
    env = {**os.environ, "LECTURELIB_PROGRESS": "0"}  # see the module docstring
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    # measured inside the child: the parent's RUSAGE_CHILDREN keeps the largest peak of
    # every notebook run so far, which would inflate every later row
    peak_kb = int(out.stdout.strip().splitlines()[-1])
    return seconds, peak_kb / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--output", type=Path, help="write a Markdown table here")
    args = parser.parse_args(argv)
    rows = []
    for path in args.notebooks:
        seconds, mb = measure(path)
        ok = seconds <= BUDGET_SECONDS and mb <= BUDGET_MB
        rows.append(f"| `{path.name}` | {seconds:.1f} | {mb:.0f} | {'within budget' if ok else 'OVER BUDGET'} |")
        print(rows[-1], flush=True)
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    table = "\n".join([
        "# Notebook benchmarks",
        "",
        "Measured by `make benchmark` (`benchmarks/notebooks.py`): each chapter executed",
        "from a fresh kernel; wall time includes kernel start-up; peak memory is the",
        "largest resident set of the kernel process.",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"OMP_NUM_THREADS={threads}, {time.strftime('%Y-%m-%d')}.",
        f"Budget per chapter: {BUDGET_SECONDS:.0f} s and {BUDGET_MB:.0f} MB.",
        "",
        "| notebook | wall time (s) | peak memory (MB) | verdict |",
        "|---|---:|---:|---|",
        *rows,
        "",
    ])
    if args.output:
        args.output.write_text(table)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
