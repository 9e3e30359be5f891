"""Re-execute chapter notebooks in place, the way nbval will run them.

    python tools/execute_notebooks.py chapters/*.ipynb

Outputs are written into the notebook (they are the committed source of truth
that nbval checks); execution timings are not recorded so that re-running an
unchanged chapter leaves git clean.  The kernels run with
``LECTURELIB_PROGRESS=0``, so ``lecturelib.torchkit.train`` draws no progress
bar into the outputs (nbval's kernels get the same setting from the root
``conftest.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, *, timeout: int = 600) -> float:
    """Execute ``path`` in place; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    os.environ["LECTURELIB_PROGRESS"] = "0"  # the kernel inherits it: no progress bars in the outputs
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # drop volatile metadata nbclient may leave behind
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        seconds = execute(path, timeout=args.timeout)
        print(f"executed {path} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
