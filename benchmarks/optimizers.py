"""Step time of the numpy optimizers (lecturelib.optim) against torch.optim.

    python benchmarks/optimizers.py                                  # print the table
    python benchmarks/optimizers.py --append-to benchmarks/results.md

For each optimizer and each size (one float32 parameter array of 1e3 and of
1e6 values, gradient fixed, seeded), the time of one ``opt.step(...)`` is the
best of ``--repeat`` timeit repeats, each long enough (>= 0.05 s) to average
out the clock; both optimizers take a few steps first so that their state
exists.  Torch runs its default CPU path (the single-tensor loop) with its
default intra-op threads, and nothing here changes thread settings: the
numbers hold for the same environment as the notebook table
(``OMP_NUM_THREADS`` as set when ``make benchmark`` runs).  NumPy's
elementwise operations use one thread.

With ``--append-to`` the table becomes the section "Optimizer step time" of
that Markdown file: an older such section is replaced, everything before it
(the notebook table of ``benchmarks/notebooks.py``) is kept as it is.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import timeit
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lecturelib import optim  # noqa: E402

HEADING = "## Optimizer step time"
SIZES = (1_000, 1_000_000)
# Each optimizer with torch's defaults, except SGD with momentum (plain SGD is one line).
CASES = [
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("Adagrad", {}),
    ("RMSprop", {}),
    ("Adadelta", {}),
    ("Adam", {}),
    ("AdamW", {}),
]
MIN_SECONDS = 0.05
WARMUP_STEPS = 3


def best_step_time(step, *, repeat: int) -> float:
    """Seconds per call of ``step()``: the best of ``repeat`` timeit repeats of >= MIN_SECONDS each."""
    for _ in range(WARMUP_STEPS):
        step()
    number = 1
    while timeit.timeit(step, number=number) < MIN_SECONDS:
        number *= 2
    return min(timeit.repeat(step, number=number, repeat=repeat)) / number


def measure(name: str, options: dict, size: int, *, repeat: int) -> tuple[float, float]:
    """(numpy seconds, torch seconds) per step of optimizer ``name`` on one array of ``size`` values."""
    rng = np.random.default_rng(0)
    param = rng.standard_normal(size).astype(np.float32)
    grad = rng.standard_normal(size).astype(np.float32)
    opt = getattr(optim, name)([param], **options)
    numpy_time = best_step_time(lambda: opt.step([grad]), repeat=repeat)

    tparam = torch.tensor(rng.standard_normal(size).astype(np.float32))
    tparam.grad = torch.from_numpy(grad.copy())
    topt = getattr(torch.optim, name)([tparam], **options)
    torch_time = best_step_time(topt.step, repeat=repeat)
    return numpy_time, torch_time


def table(*, repeat: int) -> str:
    """The Markdown section, measuring every optimizer at every size."""
    rows = []
    for name, options in CASES:
        for size in SIZES:
            numpy_time, torch_time = measure(name, options, size, repeat=repeat)
            label = name + "".join(f", {k}={v}" for k, v in options.items())
            rows.append(f"| `{label}` | {size:,} | {numpy_time * 1e6:,.1f} | {torch_time * 1e6:,.1f} "
                        f"| {numpy_time / torch_time:.2f} |")
            print(rows[-1], flush=True)
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    return "\n".join([
        HEADING,
        "",
        "Measured by `make benchmark` (`benchmarks/optimizers.py`): one `step` of",
        "`lecturelib.optim` (numpy) and of `torch.optim` on one float32 parameter",
        f"array, best of {repeat} timeit repeats; torch's default CPU path and threads.",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"OMP_NUM_THREADS={threads}, {time.strftime('%Y-%m-%d')}.",
        "",
        "| optimizer | parameters | numpy (µs) | torch (µs) | numpy / torch |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
    ])


def replace_section(text: str, section: str) -> str:
    """``text`` with its HEADING section (up to the next heading of level 1 or 2) replaced by ``section``."""
    lines = text.splitlines()
    if HEADING not in lines:
        return text.rstrip("\n") + "\n\n" + section if text.strip() else section
    start = lines.index(HEADING)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("# ", "## "))), len(lines))
    rest = "\n".join(lines[end:])
    before = "\n".join(lines[:start]).rstrip("\n")
    return (before + "\n\n" if before else "") + section + ("\n" + rest + "\n" if rest else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--append-to", type=Path, help="add (or replace) the section in this Markdown file")
    parser.add_argument("--repeat", type=int, default=5, help="timeit repeats; the best is reported (default 5)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    section = table(repeat=args.repeat)
    if args.append_to:
        old = args.append_to.read_text() if args.append_to.exists() else ""
        args.append_to.write_text(replace_section(old, section))
        print(f"wrote {HEADING[3:]!r} to {args.append_to}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
