"""lecturelib: the code behind *Training Deep Networks*.

The top level never imports torch (``tests/test_lecturelib.py`` imports
every module with torch blocked): the numpy core (``activations``,
``layers``, ``losses``, ``init``, ``mlp``, ``gradcheck``, ``diagnostics``,
``trajectories``, ``normalization``, the optimizers ``optim``,
``schedules``, ``regularization`` and their test ``problems``), the data
(``data``, ``preprocessing``) and the presentation modules
(``plotting`` draws results, ``widgets`` wires an experiment to a plot,
``glue``, ``source``, ``exercises``).  Everything that imports torch lives in
:mod:`lecturelib.torchkit`: the torch twins of the numpy models, the one
training loop, hook statistics, the chapters' torch experiments, the
MNIST-1D baselines and transfer learning.
"""

from __future__ import annotations

import random

import numpy as np

from ._validation import check_int

__version__ = "0.1.0"

__all__ = ["seed_everything", "default_rng", "__version__"]


def default_rng(seed: int = 0) -> np.random.Generator:
    """Return a fresh :class:`numpy.random.Generator` seeded with ``seed``.

    Every random function in the library takes such a generator as ``rng``;
    this helper only validates the seed so that a chapter can write
    ``rng = default_rng(0)``.

    Parameters
    ----------
    seed : int, default 0
        Non-negative integer seed.

    Examples
    --------
    >>> rng = default_rng(0)
    >>> round(float(rng.standard_normal()), 4)
    0.1257
    """
    seed = check_int(seed, "seed", low=0)
    return np.random.default_rng(seed)


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy's legacy global generator and torch.

    Call it once at the top of a notebook so that code outside the library
    (a student's own cell, torch's default initialisation of ``nn.Linear``)
    is reproducible too.  The library itself never reads global random state.

    Parameters
    ----------
    seed : int, default 0
        Integer seed in ``[0, 2**32 - 1]`` (NumPy's legacy generator's range).
    """
    seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # the numpy core works without torch
        return
    torch.manual_seed(seed)
