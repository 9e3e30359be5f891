"""Chapter 2 (initialization): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here by hand, not by the code that produced them.
"""

from __future__ import annotations

import math

from notebook_data import ROOT, glued, read

LN10 = math.log(10)
WIDTH = 128  # the chapter's hidden width

#: PyTorch's default on a ReLU stack: Var(w) = Var(b) = 1/(3n) and ReLU keeps half of E[z^2], so
#: v' = n * v/2 / (3n) + 1/(3n) = v/6 + 1/(3n), with fixed point v* = (1/(3n)) / (5/6) = 2/(5n);
#: relu of N(0, v) has E[a^2] = v/2 and E[a] = sqrt(v / (2 pi)), so std(a) = sqrt(v (1/2 - 1/(2 pi))).
DEFAULT_FLOOR = math.sqrt(2 / (5 * WIDTH) * (0.5 - 1 / (2 * math.pi)))


def _tanh_std() -> float:
    # E[tanh(z)^2] for z ~ N(0, 1) by the trapezoid rule on [-10, 10] (mean is 0 by symmetry)
    n, lo, hi = 20001, -10.0, 10.0
    h = (hi - lo) / (n - 1)
    total = 0.0
    for i in range(n):
        z = lo + i * h
        w = 0.5 if i in (0, n - 1) else 1.0
        total += w * math.tanh(z) ** 2 * math.exp(-z * z / 2)
    return math.sqrt(total * h / math.sqrt(2 * math.pi))


TANH_STD = _tanh_std()


def _decades(a: float, b: float) -> float:
    return abs(math.log10(a / b))


CLAIMS = {
    "variance_worst_rel_dev": ("Var(z) = n_in Var(w) Var(x) within sampling error", lambda v: v < 0.1),
    "zero_init_n_nonzero": ("with all-zero weights no parameter gets a gradient", lambda v: v == 0),
    "constant_rank": ("constant init leaves identical units (rank 1)", lambda v: v == 1),
    "constant_accuracy": ("constant init cannot fit the spirals", lambda v: v < 70),
    "random_accuracy": ("random init fits the spirals", lambda v: v > 90),
    "small_gain": ("sqrt(128) * 0.01 = 0.113", lambda v: v == 0.11),
    "large_gain": ("sqrt(128) = 11.3", lambda v: v == 11),
    "small_std_10": ("N(0, 0.01^2) collapses the activations: about 0.113^10 after ten layers",
                     lambda v: v < 1e-6 and _decades(v, 0.113**10) < 1.0),
    "large_saturated": ("N(0, 1) saturates most tanh units", lambda v: v > 50),
    # std(tanh(z)) for z ~ N(0, 1), the first layer's pre-activation under Xavier: 0.628 by quadrature
    "xavier_std_1": ("Xavier tanh: std at layer 1 is that of tanh of a standard normal",
                     lambda v: abs(v - TANH_STD) < 0.03),
    "xavier_std_5": ("Xavier tanh: std declines by layer 5", lambda v: 0.15 < v < 0.6),
    "xavier_std_10": ("Xavier tanh: std still healthy at layer 10", lambda v: 0.1 < v < 0.5),
    "gain_std_5": ("Xavier x 5/3 keeps tanh's std level: layer 5", lambda v: 0.5 < v < 0.8),
    "gain_std_10": ("Xavier x 5/3 keeps tanh's std level: layer 10", lambda v: 0.5 < v < 0.8),
    "glorot_std_grad_ratio": ("standard init shrinks the backward signal", lambda v: v < 0.2),
    "glorot_xav_grad_ratio": ("normalized init shrinks it far less", lambda v: v > 0.25),
    "xavier_factor": ("Xavier + ReLU decays by ~2^(-1/2) per layer", lambda v: abs(v - 2**-0.5) < 0.03),
    "he_ratio_30": ("He keeps the median std of order one over 30 layers", lambda v: 0.5 < v < 2.0),
    "he_ratio_low": ("the 5 % draw of He's ratio", lambda v: 0.1 < v < 1.0),
    "he_ratio_high": ("the 95 % draw of He's ratio", lambda v: 1.0 < v < 5.0),
    "walk_linear_gauss": ("Gaussian weights random-walk in a linear net", lambda v: 0.03 < v < 1.0),
    "walk_linear_orth": ("orthogonal weights preserve lengths exactly (rounding only)", lambda v: v <= 1e-12),
    "walk_relu_gauss": ("He's draws random-walk in a ReLU net", lambda v: v > 0.2),
    "walk_relu_orth": ("most of the ReLU walk remains with orthogonal weights", lambda v: v > 0.2),
    "xavier_final_loss": ("Xavier's 30-layer ReLU net stays at chance ln 10", lambda v: abs(v - LN10) < 0.01),
    "default_final_loss": ("PyTorch's default stays at chance ln 10 too", lambda v: abs(v - LN10) < 0.01),
    "he_final_loss": ("He's 30-layer ReLU net learns", lambda v: v < 1.0),
    "xavier_val_acc": ("Xavier stays at chance accuracy", lambda v: v < 20),
    "default_val_acc": ("PyTorch's default stays at chance accuracy", lambda v: v < 20),
    "he_val_acc": ("He passes 60 % validation accuracy", lambda v: v > 60),
    "he_start_loss": ("He's initial loss is above chance", lambda v: v > LN10),
    "chance_loss": ("ln 10", lambda v: v == 2.303),
    "default_floor_predicted": ("the fixed point of v' = v/6 + 1/(3n), derived by hand",
                                lambda v: v == round(DEFAULT_FLOOR, 3)),
    "default_floor_measured": ("torch's nn.Linear stack levels off near the predicted floor",
                               lambda v: abs(v / DEFAULT_FLOOR - 1) < 0.06),
    "default_spread_10": ("the spread across examples collapses under torch's default", lambda v: v < 1e-3),
    "default_factor": ("the spread shrinks by a large factor per layer", lambda v: v < 0.5),
    "sigmoid_spread_20": ("a sigmoid network loses the input by layer 20", lambda v: v < 1e-8),
    "sigmoid_pooled_20": ("while its pooled std levels off far above the spread", lambda v: 0.05 < v < 0.3),
    "he_spread_ratio_20": ("He keeps ReLU examples apart only partly", lambda v: 0.05 < v < 0.9),
    "ex3_predicted": ("2^(-19/2) = 1/sqrt(524288) = 1.38e-3", lambda v: v == 1.4e-3),
    "ex3_median": ("the median over draws is near 2^(-19/2)", lambda v: _decades(v, 2**-9.5) < 0.1),
}


def test_band_brackets_the_median():
    values = glued(read(ROOT / "chapters" / "02_initialization.ipynb"))
    assert values["he_ratio_low"] < values["he_ratio_30"] < values["he_ratio_high"]


def test_xavier_tanh_declines_slowly():
    values = glued(read(ROOT / "chapters" / "02_initialization.ipynb"))
    assert values["xavier_std_1"] > values["xavier_std_5"] > values["xavier_std_10"]
