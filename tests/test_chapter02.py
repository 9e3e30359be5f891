"""Chapter 2 (initialization): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
"""

from __future__ import annotations

import math

CLAIMS = {
    "variance_worst_rel_dev": ("Var(z) = n_in Var(w) Var(x) within sampling error", lambda v: v < 0.1),
    "zero_init_n_nonzero": ("with all-zero weights no parameter gets a gradient", lambda v: v == 0),
    "constant_rank": ("constant init leaves identical units (rank 1)", lambda v: v == 1),
    "constant_accuracy": ("constant init cannot fit the spirals", lambda v: v < 70.0),
    "random_accuracy": ("random init fits the spirals", lambda v: v > 90.0),
    "small_std_10": ("too-small weights collapse the activations", lambda v: v < 1e-4),
    "large_saturated": ("too-large weights saturate tanh", lambda v: v > 50),
    "xavier_std_10": ("Xavier keeps a healthy spread after 10 tanh layers", lambda v: 0.1 < v < 1.0),
    "glorot_std_grad_ratio": ("standard init shrinks the backward signal", lambda v: v < 0.2),
    "glorot_xav_grad_ratio": ("normalized init shrinks it far less",
                              lambda v: v > 0.25),
    "xavier_factor": ("Xavier + ReLU decays by ~2^(-1/2) per layer", lambda v: abs(v - 2 ** -0.5) < 0.05),
    "he_ratio_30": ("He keeps the std of order one over 30 layers", lambda v: 0.2 < v < 5.0),
    "xavier_final_loss": ("Xavier's 30-layer ReLU net stays at chance ln 10",
                          lambda v: abs(v - math.log(10)) < 0.01),
    "he_final_loss": ("He's 30-layer ReLU net learns", lambda v: v < 0.6),
    "xavier_val_acc": ("Xavier stays at chance accuracy", lambda v: v < 20.0),
    "he_val_acc": ("He passes 75% validation accuracy", lambda v: v > 75.0),
    "chance_loss": ("ln 10", lambda v: v == round(math.log(10), 4)),
    "default_factor": ("torch's default shrinks ReLU activations by ~sqrt(1/6) per layer",
                       lambda v: abs(v - math.sqrt(1 / 6)) < 0.06),
}
