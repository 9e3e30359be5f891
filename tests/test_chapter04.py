"""Chapter 4 (batch norm): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here by hand, not by the code that produced them;
claims that compare two numbers read the other one from ``VALUES``.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.datasets import load_digits

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "04_batchnorm.ipynb"))
EPS = 1e-5  # torch's default eps for batch norm and the whitening functions
LN10 = math.log(10)


def _v(name: str) -> float:
    return VALUES[name]


def _steps_predicted(cond: float) -> float:
    """Steps for the excess loss to fall by 1e6 along the flattest direction at lr = 1 / lambda_max.

    The error along the eigenvector of lambda_min shrinks by (1 - 1/cond) per step,
    the loss (quadratic in the error) by its square.
    """
    return math.log(1e-6) / (2 * math.log(1 - 1 / cond))


def _steps_to_99_percent() -> int:
    r, n = 0.0, 0
    while r < 4.95:
        r, n = 0.9 * r + 0.1 * 5.0, n + 1
    return n


# pixels that are blank in *every* one of the 1,797 digits: blank in any subset too
BLANK_EVERYWHERE = int(np.sum(np.ptp(load_digits().data, axis=0) == 0))

CLAIMS = {
    # why input scale matters
    "cond_raw": ("std 1 and 10: the Hessian's eigenvalues are about 1 and 100", lambda v: 60 < v < 160),
    "cond_std": ("standardized: eigenvalues 1 +- |r| for a small sample correlation r", lambda v: 1.0 <= v < 1.5),
    "steps_raw": ("the step count the condition number predicts, (1 - 1/kappa)^2 per step",
                  lambda v: abs(v / _steps_predicted(_v("cond_raw")) - 1) < 0.1),
    "steps_std": ("standardized: a handful of steps", lambda v: v <= 5),
    # whitening
    "cloud_corr": ("the cloud's population correlation is 2.4 / sqrt(3 * 2.5)",
                   lambda v: abs(v - 2.4 / math.sqrt(3 * 2.5)) < 0.05),
    "white_diag": ("whitened variance lambda / (lambda + eps): just below 1", lambda v: 0.999 < v < 1.0),
    "white_offdiag": ("the off-diagonal eps leaves: tiny but not zero", lambda v: 0.0 < v < 1e-4),
    "turn_pca": ("PCA turns the points by tens of degrees", lambda v: 20 <= v <= 90),
    "turn_zca": ("ZCA turns them less than PCA", lambda v: 0 <= v < _v("turn_pca")),
    "digits_cond": ("raw pixels: a condition number in the hundreds of thousands", lambda v: 1e5 < v < 1e7),
    "n_constant_pixels": ("at least the pixels blank in all 1,797 digits are blank in the training set",
                          lambda v: BLANK_EVERYWHERE <= v <= 10),
    "amplification": ("a zero-variance direction is multiplied by 1 / sqrt(eps)",
                      lambda v: v == round(1 / math.sqrt(EPS))),
    "white_train_max": ("no training value comes near the amplification", lambda v: v < _v("amplification") / 5),
    "likeness_small": ("eps 1e-5: a whitened digit resembles its original only weakly", lambda v: v < 0.9),
    "likeness_large": ("eps 100: it resembles it closely, more than with eps 1e-5",
                       lambda v: v > 0.95 and v > _v("likeness_small") + 0.05),
    "white_val_max": ("one unit of ink on a blank pixel: about 1 / sqrt(eps)",
                      lambda v: abs(v - 1 / math.sqrt(EPS)) <= 2),
    # internal covariate shift
    "moved_none": ("without batch norm the median moves more than with it", lambda v: v > 2 * _v("moved_bn")),
    "moved_bn": ("with batch norm the median stays near beta", lambda v: v < 0.3),
    "spread_start_none": ("sigmoid inputs start almost all at the same point", lambda v: v < 0.2),
    "spread_end_none": ("and spread many times wider", lambda v: v > 10 * _v("spread_start_none")),
    # the 15th-85th percentile range of N(0, 1): gamma = 1 at the start
    "spread_start_bn": ("batch norm starts at a standard normal's 15-85 range, 2.07",
                        lambda v: abs(v - 2 * 1.0364) < 0.1),
    "spread_end_bn": ("and widens only a little", lambda v: _v("spread_start_bn") < v < 2 * _v("spread_start_bn")),
    # batch norm from the library
    "parity_below": ("the numpy layer equals torch to 1e-13", lambda v: v is True),
    "parity_more_below": ("BatchNorm2d, layer norm and momentum=None too", lambda v: v is True),
    "pair_out": ("two values: +-1 / sqrt(1 + eps)", lambda v: v == round(1 / math.sqrt(1 + EPS), 6)),
    "pair_running_var": ("0.9 * 1 + 0.1 * (unbiased variance of 1 and 3 = 2)", lambda v: v == round(0.9 + 0.1 * 2, 6)),
    # train against eval
    "acc_eval": ("the networks work in eval mode", lambda v: v > 0.9),
    "acc_train16": ("train-mode evaluation in batches of 16 costs accuracy", lambda v: v < _v("acc_eval") - 0.02),
    "acc_sorted16": ("one class per batch: near chance (0.1)", lambda v: v < 0.3),
    "acc_train2": ("batches of 2: far below eval mode", lambda v: v < 0.5),
    "acc_polluted": ("the polluted running statistics cost a little", lambda v: v <= _v("acc_eval")),
    "polluted_max_drop": ("at most a few points", lambda v: 0.0 < v < 0.1),
    "polluted_worse_seeds": ("some seeds got worse", lambda v: 1 <= v <= 5),
    "acc_recalibrated": ("recalibration restores the accuracy", lambda v: abs(v - _v("acc_eval")) < 0.01),
    "recal_change_max": ("every seed within a few of 360 validation examples", lambda v: 0 <= v <= 5),
    "noise_2": ("batches of 2 are much noisier than 64", lambda v: v > 2 * _v("noise_64")),
    "noise_64": ("batches of 64 still add noise", lambda v: v > 0.0),
    "noise_ratio_16_64": ("four times the batch: about half the noise (sqrt 4)", lambda v: 1.6 <= v <= 2.5),
    # what batch norm buys
    "deep_loss_none": ("20 sigmoid layers without batch norm stay at chance, ln 10", lambda v: abs(v - LN10) < 0.05),
    "deep_acc_none": ("chance accuracy (10 classes)", lambda v: v <= 0.12),
    "deep_acc_none_min": ("every seed at chance", lambda v: v <= 0.12),
    "deep_loss_bn": ("with batch norm the loss falls far below ln 10", lambda v: v < 1.0),
    "deep_acc_bn": ("with batch norm the network trains", lambda v: v > 0.8),
    "deep_acc_bn_min": ("every seed trains", lambda v: v > 0.5),
    "deep_acc_xavier": ("Xavier's init alone does not rescue it", lambda v: v <= 0.12),
    "deep_acc_xavier_min": ("in no seed", lambda v: v <= 0.12),
    "deep_loss_xavier": ("its loss stays at ln 10", lambda v: abs(v - LN10) < 0.05),
    "scale_none_he": ("without batch norm He's scale trains", lambda v: v > 0.8),
    "scale_none_best_other": ("and no power of ten does", lambda v: v < 0.5),
    "scale_bn_he": ("with batch norm He's scale trains too", lambda v: v > 0.8),
    "scale_bn_worst": ("with batch norm every scale from 1e-3 to 1 trains", lambda v: v > 0.6),
    "scale_bn_1e_4": ("at std 1e-4 the variance falls below eps: chance", lambda v: v < 0.15),
    "lr_max_none": ("without batch norm only lr <= 0.03 ends below loss 1", lambda v: v == 0.03),
    "lr_max_bn": ("with batch norm every lr up to 1", lambda v: v == 1.0),
    "lr_diverged_0_1": ("at lr 0.1 some runs diverge", lambda v: 1 <= v <= 4),
    "lr_diverged_above": ("at 0.3 and 1 all diverge", lambda v: v == 5),
    "reg_train_acc_min": ("both networks fit the training set", lambda v: v > 0.99),
    "reg_val_loss_none": ("without batch norm the validation loss climbs", lambda v: v > 2 * _v("reg_val_loss_bn")),
    "reg_val_loss_bn": ("with batch norm it stays low", lambda v: v < 0.5),
    "reg_val_loss_none_min": ("without batch norm the validation loss first falls, then climbs",
                              lambda v: v < 0.8 * _v("reg_val_loss_none")),
    "reg_val_acc_bn": ("a small gain in validation accuracy",
                       lambda v: 0 < v - _v("reg_val_acc_none") < 0.05),
    "reg_val_acc_none": ("the plain network's validation accuracy", lambda v: 0.9 < v < 1.0),
    "reg_bn_ahead_seeds": ("batch norm ahead in (almost) every paired seed", lambda v: v >= 4),
    # when not to use it
    "small_bn_2": ("batch norm fails at batch size 2", lambda v: v < 0.5),
    "small_bn_max_2": ("in every seed", lambda v: v < 0.6),
    "small_ln_2": ("layer norm works at batch size 2", lambda v: v > 0.9),
    "small_ln_min_2": ("in every seed", lambda v: v > 0.85),
    "small_none_2": ("so does the plain network", lambda v: v > 0.85),
    "small_bn_64": ("at 64 batch norm works", lambda v: v > 0.9),
    "small_ln_64": ("at 64 layer norm works", lambda v: v > 0.9),
    "small_none_64": ("at 64 the plain network works", lambda v: v > 0.9),
    # exercise 3
    "ex3_exact": ("ln 0.01 / ln 0.9", lambda v: abs(v - math.log(0.01) / math.log(0.9)) < 1e-12),
    "ex3_steps": ("the first step with r >= 4.95, by simulation", lambda v: v == _steps_to_99_percent()),
}
