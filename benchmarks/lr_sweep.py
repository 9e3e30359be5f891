"""The wide learning-rate sweep behind Chapter 5's optimizer grid.

    python benchmarks/lr_sweep.py                              # print the table
    python benchmarks/lr_sweep.py --output benchmarks/lr_sweep.md

Chapter 5 ("Training a real network") tunes each ``torch.optim`` optimizer of
:data:`lecturelib.torchkit.optimizers.TORCH_OPTIMIZERS` on a grid of three
rates half a decade apart, because a wider grid does not fit the chapter's
time budget.  This script is where the grids' centres come from: the same
runs as the chapter (the MNIST-1D MLP 40-100-100-10, ReLU, He's
initialization, mini-batches of 100, five epochs, validation accuracy after
the last one) at every rate from 1e-4 to 10 in half-decade steps, each with
five seeds, on one torch thread as in the chapter.  The table gives the median validation accuracy and its range
over the seeds; the best median of each optimizer is in bold.  Runs that
diverge end at chance accuracy (about 0.1), they do not stop the sweep.

It takes about a minute on two cores.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lecturelib import data  # noqa: E402
from lecturelib.torchkit.optimizers import TORCH_OPTIMIZERS, train_with  # noqa: E402

EXPONENTS = np.arange(-8, 3) / 2  # 1e-4, 10**-3.5, ..., 10
SEEDS = range(5)
EPOCHS = 5


def sweep() -> dict[str, np.ndarray]:
    """Validation accuracy, shape (len(EXPONENTS), len(SEEDS)), per optimizer."""
    torch.set_num_threads(1)  # as the chapter: float32 sums depend on the thread count
    m = data.load_mnist1d()
    out = {}
    for name in TORCH_OPTIMIZERS:
        acc = np.empty((len(EXPONENTS), len(SEEDS)))
        for i, e in enumerate(EXPONENTS):
            for j, seed in enumerate(SEEDS):
                run = train_with(name, m.x_train, m.y_train, lr=10.0**e, epochs=EPOCHS,
                                 batch_size=100, x_val=m.x_val, y_val=m.y_val, seed=seed)
                acc[i, j] = run.history.last("val_accuracy")
        out[name] = acc
    return out


def table(acc: dict[str, np.ndarray]) -> str:
    """The Markdown section: one row per rate, one column per optimizer."""
    names = list(acc)
    head = "| rate | " + " | ".join(names) + " |"
    rule = "|---:|" + "---:|" * len(names)
    rows = []
    best = {name: int(np.argmax(np.median(a, axis=1))) for name, a in acc.items()}
    for i, e in enumerate(EXPONENTS):
        cells = []
        for name in names:
            a = acc[name][i]
            cell = f"{np.median(a):.3f} [{a.min():.3f}, {a.max():.3f}]"
            cells.append(f"**{cell}**" if best[name] == i else cell)
        rows.append(f"| 10^{e:g} | " + " | ".join(cells) + " |")
    machine = (f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
               f"{platform.python_version()}, torch {torch.__version__}, "
               f"torch threads {torch.get_num_threads()}, "
               f"{datetime.date.today().isoformat()}.")
    return "\n".join([
        "# Learning-rate sweep for Chapter 5",
        "",
        "Made by `python benchmarks/lr_sweep.py --output benchmarks/lr_sweep.md`.",
        "Validation accuracy of the MNIST-1D MLP after five epochs, median",
        "[min, max] over five seeds; each optimizer's best median in bold.",
        "",
        machine,
        "",
        head, rule, *rows, "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="write the table to this Markdown file")
    args = parser.parse_args(argv)
    text = table(sweep())
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
