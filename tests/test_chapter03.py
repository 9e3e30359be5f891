"""Chapter 3 (activations): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here by hand, not by the code that produced them;
claims that compare two numbers read the other one from ``VALUES``.
"""

from __future__ import annotations

import math

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "03_activations.ipynb"))
LN2 = math.log(2)
WIDTH = 256  # the dying-ReLU network's hidden width


def _sigmoid_grad(z: float) -> float:
    e = math.exp(-z)
    return e / (1 + e) ** 2


def _gelu_min() -> tuple[float, float]:
    # golden-section search of z * Phi(z) on [-2, 0], Phi from the error function
    f = lambda z: z * 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    lo, hi, r = -2.0, 0.0, (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - r * (hi - lo), lo + r * (hi - lo)
        lo, hi = (lo, b) if f(a) < f(b) else (a, hi)
    z = (lo + hi) / 2
    return f(z), z


GELU_MIN, GELU_ARGMIN = _gelu_min()
DEAD_SWEEP = ["dead_lr_0_001", "dead_lr_0_003", "dead_lr_0_01", "dead_lr_0_03", "dead_lr_0_1"]


def _v(name: str) -> float:
    return VALUES[name]


CLAIMS = {
    "linear_collapse_exact": ("a deep linear net equals one affine map to within 1e-12", lambda v: v is True),
    "xor_linear_loss": ("a linear model's best XOR loss is ln 2 (every point at probability 1/2)",
                        lambda v: v == round(LN2, 3)),
    "xor_linear_prob": ("the ln 2 optimum is probability 1/2 at every point", lambda v: v == 0.5),
    "xor_linear_prob_spread": ("every run and every point: 1/2 to three decimals", lambda v: v == 0.0),
    "xor_tanh_worst_acc": ("every tanh run fits XOR", lambda v: v == 1.0),
    "xor_tanh_loss": ("the tanh net's loss is near zero", lambda v: v < 0.05),
    "sigmoid_grad_max": ("sigmoid' peaks at sigma(0)(1 - sigma(0)) = 1/4", lambda v: v == 0.25),
    "sigmoid_grad_at_5": ("sigmoid'(5) = e^-5 / (1 + e^-5)^2", lambda v: v == round(_sigmoid_grad(5.0), 4)),
    "same_sign_positive": ("with positive inputs every step moves both weights the same way", lambda v: v == 1.0),
    "same_sign_centred": ("with centred inputs the signs mix", lambda v: 0.3 < v < 0.8),
    "ops_sigmoid": ("1/(1+exp(-z)) is negate, exp, add, divide", lambda v: v == 4),
    "ops_relu": ("max(z, 0) is one operation", lambda v: v == 1),
    "tanh_sat_gain1_10": ("gain 1: almost no saturated tanh units at layer 10 (percent)", lambda v: v < 0.5),
    "tanh_sat_gain53_10": ("gain 5/3: a few percent saturated at layer 10", lambda v: 2.0 < v < 10.0),
    "tanh_std_gain1_10": ("gain 1: the signal shrinks by layer 10",
                          lambda v: v < 0.35 and v < _v("tanh_std_gain53_10")),
    "tanh_std_gain53_10": ("gain 5/3 holds the std near the first layer's (~0.65)", lambda v: 0.5 < v < 0.8),
    "train_sat_tanh_start": ("tanh starts training (almost) unsaturated (percent)", lambda v: v < 1.0),
    "train_sat_tanh": ("training drives tanh units into saturation",
                       lambda v: v > _v("train_sat_tanh_start") + 5),
    "train_sat_sigmoid": ("the shallow sigmoid net has few saturated units", lambda v: v < 5.0),
    "train_dead_relu_max": ("ReLU units barely die at lr 0.1 with SGD on MNIST-1D (percent)", lambda v: 0 <= v <= 5),
    "epochs_relu": ("ReLU reaches 50 % validation accuracy before tanh (and the sigmoid never does)",
                    lambda v: v < _v("epochs_tanh") and _v("sigmoid_reached") == 0),
    "epochs_gelu": ("GELU reaches 50 % before ReLU", lambda v: v < _v("epochs_relu")),
    "epochs_maxout": ("maxout reaches it as soon as GELU (the prose names both)", lambda v: v == _v("epochs_gelu")),
    "epochs_tanh": ("tanh reaches it within the run", lambda v: v <= 8),
    "sigmoid_reached": ("the sigmoid net never reaches 50 %", lambda v: v == 0),
    "sigmoid_final_acc": ("the sigmoid net ends far below", lambda v: v < 0.45),
    "zeros_start_1": ("a symmetric pre-activation zeroes half of the ReLU outputs", lambda v: abs(v - 0.5) <= 0.05),
    "zeros_end_1": ("trained ReLU layers are sparse (layer 1)", lambda v: 0.3 < v < 0.9),
    "zeros_end_2": ("trained ReLU layers are sparse (layer 2)", lambda v: 0.3 < v < 0.95),
    **{name: ("the dead fraction grows with the learning rate",
              lambda v, i=i: all(_v(DEAD_SWEEP[j]) < _v(DEAD_SWEEP[j + 1]) for j in range(len(DEAD_SWEEP) - 1))
              and 0.0 <= v <= 1.0)
       for i, name in enumerate(DEAD_SWEEP)},
    "dead_first_layer_max": ("the first layer loses (almost) no units", lambda v: v < 0.01),
    "dead_loss_0_003": ("a few dead units cost nothing: the lowest loss of the sweep", lambda v: v < 0.05),
    "dead_loss_0_03": ("with most units dead the loss is high",
                       lambda v: v > 10 * _v("dead_loss_0_003") and _v("dead_lr_0_03") > 0.5),
    "dead_grad_max": ("dead units get exactly zero gradient", lambda v: v == 0.0),
    "dead_before": ("the network trained at lr 0.03 is mostly dead", lambda v: v > 0.5),
    "dead_after": ("more training at a small step leaves the dead fraction",
                   lambda v: abs(v - _v("dead_before")) <= 0.02),
    "dead_units": ("the dead count is the dead fraction of 256", lambda v: v == round(_v("dead_before") * WIDTH)),
    "dead_revived": ("revival is rare", lambda v: v <= 0.05 * _v("dead_units")),
    "cure_leaky_dead": ("leaky ReLU has no dead units by construction", lambda v: v == 0.0),
    "cure_leaky_loss": ("but a higher training loss than ReLU", lambda v: v > _v("cure_relu_loss")),
    "cure_relu_loss": ("ReLU at lr 0.03 (the sweep's runs)", lambda v: abs(v - _v("dead_loss_0_03")) < 0.01),
    "cure_he_dead": ("He's init leaves most of the layer dead", lambda v: v > 0.5),
    "cure_bias_dead": ("a bias of 0.01 leaves most of the layer dead", lambda v: v > 0.5),
    "cure_relu_dead": ("the ReLU row is the sweep at lr 0.03", lambda v: abs(v - _v("dead_lr_0_03")) < 0.01),
    "cure_lr_acc": ("the smaller learning rate is the best cure",
                    lambda v: v > max(_v("cure_relu_acc"), _v("cure_leaky_acc"), _v("cure_he_acc"))),
    "cure_he_loss": ("He's init lowers the training loss below the default's", lambda v: v < _v("cure_relu_loss")),
    "cure_he_acc": ("and raises the validation accuracy", lambda v: v > _v("cure_relu_acc")),
    "cure_relu_acc": ("ReLU's validation accuracy at lr 0.03", lambda v: 0.0 < v < 1.0),
    "cure_leaky_acc": ("leaky ReLU's is a little higher", lambda v: 0 < v - _v("cure_relu_acc") < 0.1),
    "prelu_slope_1": ("PReLU's learned slope went negative (layer 1)", lambda v: v < 0.0),
    "prelu_slope_2": ("PReLU's learned slope went negative (layer 2)", lambda v: v < 0.0),
    "family_best": ("the best ReLU-like median", lambda v: v > _v("family_worst_relu_like")),
    "family_best_is_gelu": ("GELU ends on top of the ReLU family", lambda v: v is True),
    "gelu_ahead_seeds": ("GELU beats both ELU and PReLU in every (paired) seed", lambda v: v == 5),
    "family_worst_relu_like": ("the family's spread is of the order of ReLU's seed range (a few points)",
                               lambda v: 0.5 * _v("family_spread_relu") < _v("family_best") - v
                               < 2 * _v("family_spread_relu") and _v("family_best") - v < 0.1),
    "family_softplus": ("softplus is behind the ReLU family", lambda v: v < _v("family_worst_relu_like")),
    "family_spread_relu": ("ReLU's seed-to-seed range", lambda v: 0.01 < v < 0.15),
    "gelu_min_value": ("min z Phi(z) by golden-section search", lambda v: v == round(GELU_MIN, 3)),
    "gelu_argmin": ("where GELU's minimum is", lambda v: v == round(GELU_ARGMIN, 3)),
}
