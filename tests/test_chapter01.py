"""Chapter 1 (backpropagation): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here independently of the code that produced
them.
"""

from __future__ import annotations

import math

from notebook_data import ROOT, glued, read

from lecturelib.mlp import operation_counts

ops = operation_counts([64, 128, 128, 10], batch_size=64)

CLAIMS = {
    "pairing_max_error": ("'prediction - target' matches finite differences", lambda v: v < 1e-7),
    "fd_best_step": ("the best centered step is near 1e-5", lambda v: 1e-7 <= v <= 1e-3),
    "gradcheck_max_error": ("a correct backward passes at ~1e-7 or below", lambda v: v < 1e-7),
    "n_params": ("parameter count of 64-128-128-10", lambda v: v == ops["n_params"]),
    "fd_over_backprop": ("finite differences cost ~2P/3 backprops",
                         lambda v: v == round(ops["finite_differences"] / ops["backprop"])),
    "spiral_accuracy": ("gradient descent fits the spirals", lambda v: v >= 95.0),
    "sigmoid_ratio": ("sigmoid gradients vanish towards the input", lambda v: v < 1e-4),
    "relu_ratio": ("ReLU with He init keeps the gradient of order one", lambda v: 0.3 <= v <= 3.0),
    "large_ratio": ("too-large weights explode the gradient towards the input", lambda v: v > 10.0),
    "sigmoid_factor": ("each sigmoid layer shrinks the gradient (at most 1/4 from sigma')",
                       lambda v: v < 0.5),
}


def test_sigmoid_factor_is_consistent_with_ratio():
    values = glued(read(ROOT / "chapters" / "01_backpropagation.ipynb"))
    assert math.isclose(values["sigmoid_factor"] ** 10, values["sigmoid_ratio"], rel_tol=0.15)
