"""Chapter 6 (regularization): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here independently (closed forms, known facts,
comparisons between measured values), never by the code that produced them.
"""

from __future__ import annotations

import math

import numpy as np

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "06_regularization.ipynb"))


def _v(name: str) -> float:
    return VALUES[name]


CLAIMS = {
    # --- sec_a ---
        # ---- ch6-capacity: width sweep on 1,000 examples, 40 epochs, 5 seeds
        "cap_w8_train": ("[8, 8] cannot fit its training set",
                         lambda v: 0.2 < v < 0.7),
        "cap_w8_train_lo": ("the range holds the median",
                            lambda v: v <= _v("cap_w8_train")),
        "cap_w8_train_hi": ("the range holds the median",
                            lambda v: _v("cap_w8_train") <= v < 0.8),
        "cap_w8_val": ("[8, 8] validation accuracy above chance, below training",
                       lambda v: 0.1 < v <= _v("cap_w8_train")),
        "cap_w8_val_lo": ("the range holds the median",
                          lambda v: 0.1 < v <= _v("cap_w8_val")),
        "cap_w8_val_hi": ("the range holds the median",
                          lambda v: _v("cap_w8_val") <= v < 0.6),
        "cap_w8_gap": ("[8, 8]: the smallest loss gap of the sweep",
                       lambda v: -0.2 < v < _v("cap_w32_gap")),
        "cap_w32_train": ("[32, 32] fits more than [8, 8], not all",
                          lambda v: _v("cap_w8_train") < v < 1.0),
        "cap_w32_train_lo": ("the range holds the median",
                             lambda v: v <= _v("cap_w32_train")),
        "cap_w32_train_hi": ("the range holds the median",
                             lambda v: _v("cap_w32_train") <= v <= 1.0),
        "cap_w32_val": ("[32, 32] validation accuracy far below its training",
                        lambda v: 0.1 < v < _v("cap_w32_train") - 0.2),
        "cap_w32_val_lo": ("the range holds the median",
                           lambda v: 0.1 < v <= _v("cap_w32_val")),
        "cap_w32_val_hi": ("the range holds the median",
                           lambda v: _v("cap_w32_val") <= v < 0.6),
        "cap_w32_gap": ("the gap grows from [8, 8] to [32, 32]",
                        lambda v: _v("cap_w8_gap") < v < _v("cap_w100_gap")),
        "cap_w100_train": ("[100, 100] fits every training example",
                           lambda v: v >= 0.99),
        "cap_w100_train_lo": ("the range holds the median",
                              lambda v: 0.95 <= v <= _v("cap_w100_train")),
        "cap_w100_train_hi": ("accuracy is at most 1",
                              lambda v: _v("cap_w100_train") <= v <= 1.0),
        "cap_w100_val": ("the reference validation accuracy (about 0.4)",
                         lambda v: 0.3 < v < 0.5),
        "cap_w100_val_lo": ("the range holds the median",
                            lambda v: 0.25 < v <= _v("cap_w100_val")),
        "cap_w100_val_hi": ("the range holds the median",
                            lambda v: _v("cap_w100_val") <= v < 0.55),
        "cap_w100_gap": ("the reference runs overfit: the largest loss gap",
                         lambda v: v > 1.0),
        "cap_w100_best_epoch": ("the validation minimum comes early in 40",
                                lambda v: 2 <= v <= 20),
        # ---- depth sweep: one and three hidden layers of 100 units
        "cap_d1_train": ("one hidden layer does not fit all 1,000 examples "
                         "in 40 epochs", lambda v: 0.6 < v < 0.99),
        "cap_d1_train_lo": ("the range holds the median",
                            lambda v: 0.5 < v <= _v("cap_d1_train")),
        "cap_d1_train_hi": ("the range holds the median; no seed fits all",
                            lambda v: _v("cap_d1_train") <= v < 0.99),
        "cap_d3_train": ("three hidden layers fit every training example",
                         lambda v: v >= 0.99),
        "cap_d3_train_lo": ("the range holds the median",
                            lambda v: 0.95 <= v <= _v("cap_d3_train")),
        "cap_d3_train_hi": ("accuracy is at most 1",
                            lambda v: _v("cap_d3_train") <= v <= 1.0),
        "cap_d1_val": ("depth hardly moves the validation accuracy",
                       lambda v: abs(v - _v("cap_w100_val")) < 0.05),
        "cap_d1_val_lo": ("the range holds the median",
                          lambda v: 0.2 < v <= _v("cap_d1_val")),
        "cap_d1_val_hi": ("the range holds the median",
                          lambda v: _v("cap_d1_val") <= v < 0.55),
        "cap_d3_val": ("depth hardly moves the validation accuracy",
                       lambda v: abs(v - _v("cap_w100_val")) < 0.05),
        "cap_d3_val_lo": ("the range holds the median",
                          lambda v: 0.2 < v <= _v("cap_d3_val")),
        "cap_d3_val_hi": ("the range holds the median",
                          lambda v: _v("cap_d3_val") <= v < 0.55),
        "cap_d1_gap": ("the gap grows with depth: one layer smallest",
                       lambda v: 0 < v < _v("cap_w100_gap")),
        "cap_d3_gap": ("the gap grows with depth: three layers largest",
                       lambda v: v > _v("cap_w100_gap")),
        # ---- how sure the nets are of their wrong validation answers
        "cap_conf_w100": ("the reference nets are sure of their wrong "
                          "answers: well above the 8-unit nets",
                          lambda v: 0.5 < v <= 1.0
                          and v > _v("cap_conf_w8") + 0.2),
        "cap_conf_w100_lo": ("the range holds the median",
                             lambda v: 0.5 < v <= _v("cap_conf_w100")),
        "cap_conf_w100_hi": ("the range holds the median",
                             lambda v: _v("cap_conf_w100") <= v <= 1.0),
        "cap_conf_w8": ("a top-class probability is at least 1/10 of ten "
                        "classes; the 8-unit nets stay unsure",
                        lambda v: 0.1 <= v < 0.5),
        "cap_conf_w8_lo": ("the range holds the median",
                           lambda v: 0.1 <= v <= _v("cap_conf_w8")),
        "cap_conf_w8_hi": ("the range holds the median",
                           lambda v: _v("cap_conf_w8") <= v < 0.5),
        # ---- overfit 50 examples (full batch, 40 epochs)
        "cap_tiny_epoch": ("50 examples are fitted within the 40 epochs",
                           lambda v: 1 <= v <= 40),
        "cap_tiny_epoch_lo": ("the range holds the median",
                              lambda v: 1 <= v <= _v("cap_tiny_epoch")),
        "cap_tiny_epoch_hi": ("every seed reaches 100 % within 40 epochs",
                              lambda v: _v("cap_tiny_epoch") <= v <= 40),
        "cap_tiny_val": ("memorizing 50 examples: above chance, far from 1, "
                         "below the 1,000-example network",
                         lambda v: 0.1 < v < _v("cap_w100_val")),
        "cap_tiny_val_lo": ("the range holds the median",
                            lambda v: 0.1 <= v <= _v("cap_tiny_val")),
        "cap_tiny_val_hi": ("far from 100 %",
                            lambda v: _v("cap_tiny_val") <= v < 0.5),
        "cap_tiny_val_end": ("still far from 100 % after 40 epochs",
                             lambda v: 0.1 < v < _v("cap_w100_val")),
        "cap_tiny_val_end_lo": ("the range holds the median",
                                lambda v: 0.1 <= v <= _v("cap_tiny_val_end")),
        "cap_tiny_val_end_hi": ("the range holds the median",
                                lambda v: _v("cap_tiny_val_end") <= v < 0.5),
        # ---- ch6-diagnose: every shape gets its label on at least 4 of 5 seeds
        "diag_flat_agree": ("lr 1e-6: underfit (flat)",
                            lambda v: 4 <= v <= 5),
        "diag_improving_agree": ("lr 1e-4, 10 epochs: underfit (still "
                                 "improving)", lambda v: 4 <= v <= 5),
        "diag_overfit_agree": ("the reference runs: overfit",
                               lambda v: 4 <= v <= 5),
        "diag_badtrain_agree": ("weight decay 3: unrepresentative training "
                                "set", lambda v: 4 <= v <= 5),
        "diag_badval_agree": ("the leak with dropout 0.5: unrepresentative "
                              "validation set (below training)",
                              lambda v: 4 <= v <= 5),
        "diag_good_agree": ("weight decay 3 on all 3,600 examples, 10 "
                            "epochs: good fit",
                            lambda v: 4 <= v <= 5),
        "diag_flat_val": ("lr 1e-6 stays at chance, 1 / 10",
                          lambda v: 0.05 < v < 0.2),
        "diag_flat_val_lo": ("the range holds the median",
                             lambda v: 0.0 <= v <= _v("diag_flat_val")),
        "diag_flat_val_hi": ("the range holds the median",
                             lambda v: _v("diag_flat_val") <= v < 0.25),
        "diag_improving_train": ("10 epochs at lr 1e-4: far from fitted",
                                 lambda v: 0.1 < v < 0.5),
        "diag_improving_train_lo": ("the range holds the median",
                                    lambda v: v <= _v("diag_improving_train")),
        "diag_improving_train_hi": ("the range holds the median",
                                    lambda v: _v("diag_improving_train") <= v
                                    < 0.6),
        "diag_badtrain_train": ("weight decay 3 stops the fit short of 1",
                                lambda v: 0.4 < v < 0.95),
        "diag_badtrain_train_lo": ("the range holds the median",
                                   lambda v: v <= _v("diag_badtrain_train")),
        "diag_badtrain_train_hi": ("the range holds the median",
                                   lambda v: _v("diag_badtrain_train") <= v
                                   < 1.0),
        "diag_badtrain_val": ("a persistent gap below the training accuracy",
                              lambda v: 0.25 < v < _v("diag_badtrain_train")),
        "diag_badtrain_val_lo": ("the range holds the median",
                                 lambda v: 0.2 < v <= _v("diag_badtrain_val")),
        "diag_badtrain_val_hi": ("the range holds the median",
                                 lambda v: _v("diag_badtrain_val") <= v < 0.6),
        "diag_badval_train": ("dropout 0.5 in train mode: a low training "
                              "accuracy", lambda v: 0.2 < v < 0.8),
        "diag_badval_train_lo": ("the range holds the median",
                                 lambda v: v <= _v("diag_badval_train")),
        "diag_badval_train_hi": ("the range holds the median",
                                 lambda v: _v("diag_badval_train") <= v < 0.9),
        "diag_badval_val": ("the leaked 'validation' set scores above the "
                            "train-mode training accuracy",
                            lambda v: _v("diag_badval_train") < v <= 1.0),
        "diag_badval_val_lo": ("the range holds the median",
                               lambda v: v <= _v("diag_badval_val")),
        "diag_badval_val_hi": ("the range holds the median",
                               lambda v: _v("diag_badval_val") <= v <= 1.0),
        "diag_good_train": ("with weight decay 3 the training accuracy stays "
                            "below 1", lambda v: 0.4 < v < 0.95),
        "diag_good_train_lo": ("the range holds the median",
                               lambda v: v <= _v("diag_good_train")),
        "diag_good_train_hi": ("the range holds the median",
                               lambda v: _v("diag_good_train") <= v < 1.0),
        "diag_good_val": ("the same decay on all the data generalizes better "
                          "than on 1,000 examples, close to its training "
                          "accuracy",
                          lambda v: v > _v("cap_w100_val")
                          and v > _v("diag_badtrain_val")
                          and abs(v - _v("diag_good_train")) < 0.1),
        "diag_good_val_lo": ("the range holds the median",
                             lambda v: v <= _v("diag_good_val")),
        "diag_good_val_hi": ("the range holds the median",
                             lambda v: _v("diag_good_val") <= v < 0.9),
        # ---- babysitting: the first loss, dead units
        "diag_ln10": ("ln 10", lambda v: abs(v - math.log(10)) < 1e-3),
        "diag_logit_var": ("He's gain on the output layer: logit variance of "
                           "order 1, not near 0", lambda v: 0.3 < v < 5.0),
        "diag_init_bound": ("ln 10 + sigma^2 / 2 with the glued variance "
                            "(the median of the per-seed sums)",
                            lambda v: abs(v - (math.log(10)
                                               + _v("diag_logit_var") / 2))
                            < 0.3),
        "diag_init_loss": ("the first loss lies between ln 10 and "
                           "ln 10 + sigma^2 / 2",
                           lambda v: math.log(10) < v <= _v("diag_init_bound")),
        "diag_init_loss_lo": ("the range holds the median; above ln 10",
                              lambda v: math.log(10) < v
                              <= _v("diag_init_loss")),
        "diag_init_loss_hi": ("the range holds the median; not far off",
                              lambda v: _v("diag_init_loss") <= v < 4.0),
        "diag_dead_l1": ("few dead units in the first hidden layer",
                         lambda v: 0.0 <= v < 0.05),
        "diag_dead_l1_lo": ("the range holds the median",
                            lambda v: 0.0 <= v <= _v("diag_dead_l1")),
        "diag_dead_l1_hi": ("no seed has many dead units",
                            lambda v: _v("diag_dead_l1") <= v < 0.1),
        "diag_dead_l2": ("few dead units in the second hidden layer",
                         lambda v: 0.0 <= v < 0.05),
        "diag_dead_l2_lo": ("the range holds the median",
                            lambda v: 0.0 <= v <= _v("diag_dead_l2")),
        "diag_dead_l2_hi": ("no seed has many dead units",
                            lambda v: _v("diag_dead_l2") <= v < 0.1),
        "diag_zero_l1": ("ReLU units are off for a large part of the inputs",
                         lambda v: 0.2 < v < 0.9 and v > _v("diag_dead_l1")),
        "diag_zero_l2": ("ReLU units are off for a large part of the inputs",
                         lambda v: 0.2 < v < 0.9 and v > _v("diag_dead_l2")),
        "diag_min_agree": ("the smallest of the six agreement counts",
                           lambda v: v == min(_v(f"diag_{k}_agree") for k in (
                               "flat", "improving", "overfit", "badtrain",
                               "badval", "good")) and v >= 4),
        # ---- a learning rate ten times too large: dead units
        "diag_ref_val": ("the reference runs' final validation accuracy",
                         lambda v: v == _v("cap_w100_val")),
        "diag_ref_val_lo": ("the reference runs' range",
                            lambda v: v == _v("cap_w100_val_lo")),
        "diag_ref_val_hi": ("the reference runs' range",
                            lambda v: v == _v("cap_w100_val_hi")),
        "diag_fast_dead_l2": ("lr 0.03 kills many second-layer units",
                              lambda v: 0.3 < v <= 1.0
                              and v > _v("diag_dead_l2") + 0.3),
        "diag_fast_dead_l2_lo": ("every seed loses many units",
                                 lambda v: 0.2 < v <= _v("diag_fast_dead_l2")),
        "diag_fast_dead_l2_hi": ("the range holds the median; some survive",
                                 lambda v: _v("diag_fast_dead_l2") <= v < 1.0),
        "diag_fast_dead_l1": ("the first layer keeps its units",
                              lambda v: 0.0 <= v < 0.05),
        "diag_fast_dead_l1_lo": ("the range holds the median",
                                 lambda v: 0.0 <= v <= _v("diag_fast_dead_l1")),
        "diag_fast_dead_l1_hi": ("the range holds the median",
                                 lambda v: _v("diag_fast_dead_l1") <= v < 0.1),
        "diag_fast_val": ("about the reference's validation accuracy",
                          lambda v: abs(v - _v("diag_ref_val")) < 0.04),
        "diag_fast_val_lo": ("the range holds the median",
                             lambda v: 0.2 < v <= _v("diag_fast_val")),
        "diag_fast_val_hi": ("the range holds the median",
                             lambda v: _v("diag_fast_val") <= v < 0.55),
        "diag_fast_label": ("the prose: a label about the jumpy validation "
                            "curve, not about dead units",
                            lambda v: v == "unrepresentative validation set"),
        "diag_fast_detail": ("the noise check decided",
                             lambda v: v == "noisy"),
        "diag_fast_gap": ("the lr 0.03 runs overfit more than the reference",
                          lambda v: v > _v("cap_w100_gap")),
        "diag_fast_label_agree": ("the label holds on most seeds",
                                  lambda v: 4 <= v <= 5),
    # --- sec_b ---
        # --- sec_b: ch6-penalties
        "pen_decay_step": ("AdamW's decay factor per step 1 - lr * wd "
                           "= 1 - 0.003 * 3", lambda v: abs(v - 0.991) < 1e-9),
        "pen_decay_run": ("(1 - 0.009) ** 400, 40 epochs of 10 batches",
                          lambda v: abs(v - math.exp(400 * math.log(0.991)))
                          < 1e-4),
        "pen_best_wd": ("the best strength is inside the grid 0, 0.3, 1, 3, 10",
                        lambda v: v in (0.3, 1.0, 3.0)),
        "pen_top_accuracy": ("decay 10 underfits: training accuracy far below "
                             "1, close to its validation accuracy",
                             lambda v: v < 0.5
                             and abs(v - _v("pen_top_val_accuracy")) < 0.05),
        "pen_top_val_accuracy": ("decay 10 loses validation accuracy against "
                                 "the best decay",
                                 lambda v: v < _v("pen_best_val_accuracy")),
        "pen_top_val_loss": ("weight decay 10 is worse than the best strength",
                             lambda v: v > _v("pen_best_val_loss")),
        "pen_best_conf": ("the best decay's nets are much less sure of their "
                          "wrong answers than the reference nets",
                          lambda v: 0.1 <= v < _v("cap_conf_w100") - 0.2),
        "pen_best_conf_lo": ("the range holds the median",
                             lambda v: 0.1 <= v <= _v("pen_best_conf")),
        "pen_best_conf_hi": ("the range holds the median; every seed below "
                             "every reference net",
                             lambda v: _v("pen_best_conf") <= v
                             < _v("cap_conf_w100_lo")),
        "pen_ref_val_loss": ("the reference overfits: validation loss above "
                             "the untrained ln 10", lambda v: 2.0 < v < 4.0),
        "pen_ref_val_loss_lo": ("range <= median",
                                lambda v: 1.5 < v <= _v("pen_ref_val_loss")),
        "pen_ref_val_loss_hi": ("range >= median",
                                lambda v: _v("pen_ref_val_loss") <= v < 5.0),
        "pen_ref_val_accuracy": ("about 0.4 on MNIST-1D with 1,000 examples",
                                 lambda v: 0.3 < v < 0.5),
        "pen_ref_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                    <= _v("pen_ref_val_accuracy")),
        "pen_ref_val_accuracy_hi": ("range >= median", lambda v:
                                    _v("pen_ref_val_accuracy") <= v < 0.55),
        "pen_ref_train_accuracy": ("the reference memorizes the training set",
                        lambda v: v >= 0.99),
        "pen_ref_train_accuracy_lo": ("range <= median",
                           lambda v: 0.95 < v <= _v("pen_ref_train_accuracy")),
        "pen_ref_train_accuracy_hi": ("range >= median",
                           lambda v: _v("pen_ref_train_accuracy") <= v <= 1.0),
        "pen_best_val_loss": ("the best weight decay lowers the median "
                              "validation loss", lambda v: 1.0 < v
                              < _v("pen_ref_val_loss") - 0.2),
        "pen_best_val_loss_lo": ("range <= median", lambda v: 0.8 < v
                                 <= _v("pen_best_val_loss")),
        "pen_best_val_loss_hi": ("range >= median", lambda v:
                                 _v("pen_best_val_loss") <= v < 3.0),
        "pen_best_val_accuracy": ("raises the median validation accuracy by "
                                  "no more than the spread over seeds",
                                  lambda v: _v("pen_ref_val_accuracy") < v
                                  and v - _v("pen_ref_val_accuracy")
                                  <= max(_v("pen_ref_val_accuracy_hi")
                                         - _v("pen_ref_val_accuracy_lo"),
                                         _v("pen_best_val_accuracy_hi")
                                         - _v("pen_best_val_accuracy_lo"))),
        "pen_best_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                     <= _v("pen_best_val_accuracy")),
        "pen_best_val_accuracy_hi": ("range >= median", lambda v:
                                     _v("pen_best_val_accuracy") <= v < 0.65),
        "pen_best_train_accuracy": ("the penalty stops the memorizing",
                         lambda v: 0.4 < v < _v("pen_ref_train_accuracy")),
        "pen_best_train_accuracy_lo": ("range <= median",
                            lambda v: 0.3 < v <= _v("pen_best_train_accuracy")),
        "pen_best_train_accuracy_hi": ("range >= median", lambda v:
                                       _v("pen_best_train_accuracy") <= v
                                       <= 1.0),
        "pen_small_ref": ("few weights below 0.001 without a penalty (a "
                          "normal of std ~0.2 has ~0.4 % there)",
                          lambda v: 0.0 <= v < 2.0),
        "pen_small_ref_lo": ("range <= median",
                             lambda v: 0.0 <= v <= _v("pen_small_ref")),
        "pen_small_ref_hi": ("range >= median",
                             lambda v: _v("pen_small_ref") <= v < 3.0),
        "pen_small_l2": ("L2 makes weights small, not zero: far fewer than L1",
                         lambda v: 0.0 <= v < _v("pen_small_l1") / 2),
        "pen_small_l2_lo": ("range <= median",
                            lambda v: 0.0 <= v <= _v("pen_small_l2")),
        "pen_small_l2_hi": ("range >= median",
                            lambda v: _v("pen_small_l2") <= v < 10.0),
        "pen_small_l1": ("L1 puts many weights at zero, many times the "
                         "reference", lambda v: 5.0 < v < 60.0
                         and v > 5 * _v("pen_small_ref")),
        "pen_small_l1_lo": ("range <= median",
                            lambda v: 2.0 < v <= _v("pen_small_l1")),
        "pen_small_l1_hi": ("range >= median",
                            lambda v: _v("pen_small_l1") <= v < 70.0),
        "pen_l1_val_loss": ("L1 lowers the validation loss below the "
                            "reference's, but not to the best weight decay's",
                            lambda v: _v("pen_best_val_loss") < v
                            < _v("pen_ref_val_loss")),
        "pen_l1_val_loss_lo": ("range <= median", lambda v: 0.8 < v
                               <= _v("pen_l1_val_loss")),
        "pen_l1_val_loss_hi": ("range >= median", lambda v:
                               _v("pen_l1_val_loss") <= v < 3.5),
        "pen_l1_val_accuracy": ("about the reference's accuracy",
                                lambda v: 0.3 < v < 0.55),
        "pen_l1_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                   <= _v("pen_l1_val_accuracy")),
        "pen_l1_val_accuracy_hi": ("range >= median", lambda v:
                                   _v("pen_l1_val_accuracy") <= v < 0.6),
        # --- sec_b: ch6-constraints
        "con_ref_row_norm": ("the reference's first-layer rows grow past the "
                             "bound c = 1 (He init gives sqrt(2) already)",
                             lambda v: 1.0 < v < 20.0),
        "con_ref_row_norm_lo": ("range <= median", lambda v: 1.0 < v
                                <= _v("con_ref_row_norm")),
        "con_ref_row_norm_hi": ("range >= median", lambda v:
                                _v("con_ref_row_norm") <= v < 30.0),
        "con_mn_val_loss": ("max-norm lowers the validation loss, close to "
                            "what the best weight decay achieved",
                            lambda v: v < _v("pen_ref_val_loss") - 0.2
                            and abs(v - _v("pen_best_val_loss")) < 0.15),
        "con_mn_val_loss_lo": ("range <= median", lambda v: 0.8 < v
                               <= _v("con_mn_val_loss")),
        "con_mn_val_loss_hi": ("range >= median", lambda v:
                               _v("con_mn_val_loss") <= v < 3.0),
        "con_mn_val_accuracy": ("max-norm: accuracy no worse than the "
                                "reference's, close to the best decay's",
                                lambda v: _v("pen_ref_val_accuracy") - 0.02
                                < v < 0.6 and abs(
                                    v - _v("pen_best_val_accuracy")) < 0.03),
        "con_mn_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                   <= _v("con_mn_val_accuracy")),
        "con_mn_val_accuracy_hi": ("range >= median", lambda v:
                                   _v("con_mn_val_accuracy") <= v < 0.65),
        "con_ref_mean_act": ("the reference's mean ReLU output is of order 1",
                             lambda v: 0.2 < v < 5.0),
        "con_ref_mean_act_lo": ("range <= median", lambda v: 0.1 < v
                                <= _v("con_ref_mean_act")),
        "con_ref_mean_act_hi": ("range >= median", lambda v:
                                _v("con_ref_mean_act") <= v < 6.0),
        "con_act_mean_act": ("the activity penalty shrinks it at least twofold",
                             lambda v: 0.0 < v < _v("con_ref_mean_act") / 2),
        "con_act_mean_act_lo": ("range <= median", lambda v: 0.0 < v
                                <= _v("con_act_mean_act")),
        "con_act_mean_act_hi": ("range >= median, all seeds below the "
                                "reference's median", lambda v:
                                _v("con_act_mean_act") <= v
                                < _v("con_ref_mean_act")),
        "con_ref_zeros": ("about half of ReLU outputs are zero in the "
                          "reference", lambda v: 20.0 < v < 80.0),
        "con_ref_zeros_lo": ("range <= median", lambda v: 10.0 < v
                             <= _v("con_ref_zeros")),
        "con_ref_zeros_hi": ("range >= median", lambda v:
                             _v("con_ref_zeros") <= v < 90.0),
        "con_act_zeros": ("the L1 activity penalty makes more zeros",
                          lambda v: _v("con_ref_zeros") < v <= 100.0),
        "con_act_zeros_lo": ("range <= median", lambda v:
                             _v("con_ref_zeros") < v <= _v("con_act_zeros")),
        "con_act_zeros_hi": ("range >= median", lambda v:
                             _v("con_act_zeros") <= v <= 100.0),
        "con_act_val_loss": ("the activity penalty lowers the validation loss",
                             lambda v: 1.0 < v < _v("pen_ref_val_loss")),
        "con_act_val_loss_lo": ("range <= median", lambda v: 0.8 < v
                                <= _v("con_act_val_loss")),
        "con_act_val_loss_hi": ("range >= median", lambda v:
                                _v("con_act_val_loss") <= v < 3.5),
        "con_act_val_accuracy": ("about the reference's accuracy or better",
                                 lambda v: _v("pen_ref_val_accuracy") - 0.03
                                 < v < 0.6),
        "con_act_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                    <= _v("con_act_val_accuracy")),
        "con_act_val_accuracy_hi": ("range >= median", lambda v:
                                    _v("con_act_val_accuracy") <= v < 0.65),
        # --- sec_b: ch6-dropout
        "drop_eval_gap_ref": ("without dropout, in eval mode, the validation loss "
                              "ends far above the training loss",
                              lambda v: 1.5 < v < 4.0),
        "drop_eval_gap_ref_lo": ("range <= median", lambda v: v <= _v("drop_eval_gap_ref")),
        "drop_eval_gap_ref_hi": ("range >= median", lambda v: v >= _v("drop_eval_gap_ref")),
        "drop_eval_gap": ("like with like, dropout halves the gap, and the recorded "
                          "(train-mode) gap is smaller still",
                          lambda v: 0.4 < v / _v("drop_eval_gap_ref") < 0.6 and v > _v("drop_gap")),
        "drop_eval_gap_lo": ("range <= median", lambda v: v <= _v("drop_eval_gap")),
        "drop_eval_gap_hi": ("every seed below the reference's smallest eval-mode gap",
                             lambda v: _v("drop_eval_gap") <= v < _v("drop_eval_gap_ref_lo")),
        "drop_gap_ref": ("without dropout the validation loss ends far above "
                         "the training loss", lambda v: 1.5 < v < 4.0),
        "drop_gap_ref_lo": ("range <= median",
                            lambda v: 1.0 < v <= _v("drop_gap_ref")),
        "drop_gap_ref_hi": ("range >= median",
                            lambda v: _v("drop_gap_ref") <= v < 5.0),
        "drop_gap": ("dropout narrows the gap to less than half",
                     lambda v: -1.0 < v < _v("drop_gap_ref") / 2),
        "drop_gap_lo": ("range <= median",
                        lambda v: -1.5 < v <= _v("drop_gap")),
        "drop_gap_hi": ("range >= median, every seed below the reference's "
                        "smallest gap", lambda v: _v("drop_gap") <= v
                        < _v("drop_gap_ref_lo")),
        "drop_val_loss": ("dropout lowers the validation loss",
                          lambda v: 1.0 < v < _v("pen_ref_val_loss") - 0.2),
        "drop_val_loss_lo": ("range <= median",
                             lambda v: 0.8 < v <= _v("drop_val_loss")),
        "drop_val_loss_hi": ("range >= median",
                             lambda v: _v("drop_val_loss") <= v < 3.0),
        "drop_val_accuracy": ("dropout 0.2 keeps or raises the accuracy",
                              lambda v: _v("pen_ref_val_accuracy") - 0.02
                              < v < 0.6),
        "drop_val_accuracy_lo": ("range <= median", lambda v: 0.25 < v
                                 <= _v("drop_val_accuracy")),
        "drop_val_accuracy_hi": ("range >= median", lambda v:
                                 _v("drop_val_accuracy") <= v < 0.65),
        "drop_train_trainmode": ("training set, dropout on: a real loss, "
                                 "below the untrained ln 10",
                                 lambda v: 0.1 < v < math.log(10)),
        "drop_train_trainmode_lo": ("range <= median", lambda v: 0.05 < v
                                    <= _v("drop_train_trainmode")),
        "drop_train_trainmode_hi": ("range >= median", lambda v:
                                    _v("drop_train_trainmode") <= v < 2.5),
        "drop_train_evalmode": ("the full network fits its training set "
                                "better than the thinned ones",
                                lambda v: 0.0 < v
                                < _v("drop_train_trainmode")),
        "drop_train_evalmode_lo": ("range <= median", lambda v: 0.0 < v
                                   <= _v("drop_train_evalmode")),
        "drop_train_evalmode_hi": ("range >= median, every seed below the "
                                   "median in training mode", lambda v:
                                   _v("drop_train_evalmode") <= v
                                   < _v("drop_train_trainmode")),
        "drop_val_below": ("with dropout the validation curve lies below the "
                           "training curve in some, early, epochs",
                           lambda v: 1 <= v <= 10),
        "drop_overfit_count": ("no dropout run is diagnosed overfit",
                               lambda v: v == 0),
        "drop_underfit_count": ("the two labels share the five runs",
                                lambda v: 1 <= v <= 4 and v
                                + _v("drop_badtrain_count") == 5),
        "drop_badtrain_count": ("the two labels share the five runs",
                                lambda v: 1 <= v <= 4),
        "drop_val_below_ref": ("without dropout at most as often",
                               lambda v: 0 <= v <= _v("drop_val_below")),
    # --- sec_c ---
        # --- sec_c: ch6-augment ---
        "aug_ref_acc": ("the reference runs end well above chance (0.1) and "
                        "below 0.5, overfit", lambda v: 0.33 < v < 0.48),
        "aug_ref_acc_lo": ("range below the median",
                           lambda v: 0.1 < v <= _v("aug_ref_acc")),
        "aug_ref_acc_hi": ("range above the median",
                           lambda v: _v("aug_ref_acc") <= v < 0.55),
        "aug_ref_loss": ("the overfit reference runs end at a validation loss "
                         "above the untrained ln 10", lambda v: v > math.log(10)),
        "aug_noise_acc": ("input noise 0.3 leaves the median validation accuracy "
                          "near the reference",
                          lambda v: abs(v - _v("aug_ref_acc")) < 0.05),
        "aug_noise_acc_lo": ("range below the median",
                             lambda v: 0.1 < v <= _v("aug_noise_acc")),
        "aug_noise_acc_hi": ("range above the median, and overlapping the "
                             "reference range",
                             lambda v: v >= _v("aug_noise_acc")
                             and v >= _v("aug_ref_acc_lo")),
        "aug_input_std": ("MNIST-1D's inputs are standardized",
                          lambda v: abs(v - 1.0) < 0.05),
        "aug_loss_1000": ("AUG lowers the validation loss on 1,000 examples "
                          "far below the reference's",
                          lambda v: v < _v("aug_ref_loss") - 0.5),
        "aug_loss_1000_lo": ("range below the median",
                             lambda v: 0 < v <= _v("aug_loss_1000")),
        "aug_loss_1000_hi": ("range above the median; every seed below every "
                             "reference run", lambda v: _v("aug_loss_1000")
                             <= v < _v("aug_ref_loss_lo")),
        "aug_ref_loss_lo": ("range below the median",
                            lambda v: math.log(10) < v <= _v("aug_ref_loss")),
        "aug_ref_loss_hi": ("range above the median",
                            lambda v: v >= _v("aug_ref_loss")),
        "aug_noise_loss_lo": ("range below the median",
                              lambda v: 0.5 < v <= _v("aug_noise_loss")),
        "aug_noise_loss_hi": ("range above the median, and below every "
                              "reference run's loss",
                              lambda v: _v("aug_noise_loss") <= v
                              < _v("aug_ref_loss_lo")),
        "aug_noise_loss": ("a validation loss in a sane range, below the "
                           "reference's (noise makes the net less confident)",
                           lambda v: 0.5 < v < _v("aug_ref_loss")),
        "aug_acc_250_plain": ("250 plain examples: above chance, below the "
                              "1,000-example reference",
                              lambda v: 0.15 < v < _v("aug_ref_acc")),
        "aug_acc_250_plain_lo": ("range below the median",
                                 lambda v: 0.1 < v <= _v("aug_acc_250_plain")),
        "aug_acc_250_plain_hi": ("range above the median",
                                 lambda v: v >= _v("aug_acc_250_plain")),
        "aug_acc_250": ("AUG on 250 examples beats plain 250 examples but "
                        "not the plain 1,000 of the reference runs",
                        lambda v: _v("aug_acc_250_plain") < v
                        < _v("aug_ref_acc")),
        "aug_acc_250_lo": ("range below the median",
                           lambda v: v <= _v("aug_acc_250")),
        "aug_acc_250_hi": ("range above the median",
                           lambda v: v >= _v("aug_acc_250")),
        "aug_gain_250": ("augmentation's gain at 250 examples (median over "
                         "seeds) is positive and is the difference of the "
                         "glued medians",
                         lambda v: v > 0.02 and abs(
                             v - (_v("aug_acc_250") - _v("aug_acc_250_plain")))
                         < 1.5e-3),
        "aug_gain_250_min": ("every seed gains at 250 examples",
                             lambda v: 0 < v <= 0.3),
        "aug_acc_500_plain": ("500 plain examples: between 250 and 1,000, "
                              "about what 250 augmented ones reach",
                              lambda v: _v("aug_acc_250_plain") < v
                              < _v("aug_ref_acc")
                              and abs(v - _v("aug_acc_250")) < 0.03),
        "aug_acc_500_plain_lo": ("range below the median",
                                 lambda v: 0.1 < v <= _v("aug_acc_500_plain")),
        "aug_acc_500_plain_hi": ("range above the median",
                                 lambda v: v >= _v("aug_acc_500_plain")),
        "aug_acc_500": ("AUG on 500 beats plain 500, and lies between AUG on "
                        "250 and on 1,000",
                        lambda v: _v("aug_acc_500_plain") < v
                        and _v("aug_acc_250") < v < _v("aug_acc_1000")
                        and abs(v - _v("aug_ref_acc")) < 0.03),
        "aug_acc_500_lo": ("range below the median",
                           lambda v: v <= _v("aug_acc_500")),
        "aug_acc_500_hi": ("range above the median",
                           lambda v: v >= _v("aug_acc_500")),
        "aug_gain_500": ("the gain at 500 examples is the difference of the "
                         "glued medians and positive",
                         lambda v: v > 0.02 and abs(
                             v - (_v("aug_acc_500") - _v("aug_acc_500_plain")))
                         < 1.5e-3),
        "aug_gain_500_min": ("every seed gains at 500 examples",
                             lambda v: 0 < v <= 0.3),
        "aug_acc_1000_plain": ("the plain 1,000 are the reference runs",
                               lambda v: v == _v("aug_ref_acc")),
        "aug_acc_1000_plain_lo": ("the reference runs' range",
                                  lambda v: v == _v("aug_ref_acc_lo")),
        "aug_acc_1000_plain_hi": ("the reference runs' range",
                                  lambda v: v == _v("aug_ref_acc_hi")),
        "aug_acc_1000": ("AUG on 1,000 examples clearly beats the reference "
                         "(about 0.525 against 0.405 when the brief measured it)",
                         lambda v: _v("aug_ref_acc") + 0.05 < v < 0.7),
        "aug_acc_1000_lo": ("range below the median, above every reference "
                            "run", lambda v: _v("aug_ref_acc_hi") < v
                            <= _v("aug_acc_1000")),
        "aug_acc_1000_hi": ("range above the median",
                            lambda v: v >= _v("aug_acc_1000")),
        "aug_gain_1000": ("the gain at 1,000 examples is the difference of the "
                          "glued medians and positive",
                          lambda v: v > 0.05 and abs(
                              v - (_v("aug_acc_1000") - _v("aug_ref_acc")))
                          < 1.5e-3),
        "aug_gain_1000_min": ("every seed gains at 1,000 examples",
                              lambda v: 0 < v <= 0.3),
        # 8x8 digits, 10 labels per class (measured: augmentation hurts)
        "aug_dig_plain": ("100 labelled digits give a plain MLP a high "
                          "validation accuracy", lambda v: 0.8 < v <= 1.0),
        "aug_dig_plain_lo": ("range below the median",
                             lambda v: 0.1 < v <= _v("aug_dig_plain")),
        "aug_dig_plain_hi": ("range above the median",
                             lambda v: _v("aug_dig_plain") <= v <= 1.0),
        "aug_dig_aug": ("shift-and-rotate augmentation lowers the median "
                        "validation accuracy (measured, against the expected "
                        "gain)", lambda v: 0.5 < v < _v("aug_dig_plain")),
        "aug_dig_aug_lo": ("range below the median",
                           lambda v: 0.1 < v <= _v("aug_dig_aug")),
        "aug_dig_aug_hi": ("range above the median",
                           lambda v: _v("aug_dig_aug") <= v <= 1.0),
        "aug_dig_gain": ("the change is the difference of the glued medians, "
                         "and negative",
                         lambda v: v < 0 and abs(
                             v - (_v("aug_dig_aug") - _v("aug_dig_plain")))
                         < 1.5e-3),
        "aug_dig_plain_train": ("the plain runs fit their 100 training images",
                                lambda v: v == 1.0),
        "aug_dig_plain_train_lo": ("all of them", lambda v: v == 1.0),
        "aug_dig_plain_train_hi": ("all of them", lambda v: v == 1.0),
        "aug_dig_aug_train": ("the augmented runs fit their clean training "
                              "images less well",
                              lambda v: 0.3 < v < _v("aug_dig_plain_train")),
        "aug_dig_aug_train_lo": ("range below the median",
                                 lambda v: v <= _v("aug_dig_aug_train")),
        "aug_dig_aug_train_hi": ("range above the median",
                                 lambda v: _v("aug_dig_aug_train") <= v <= 1.0),
        "aug_dig_full_height": ("(nearly) every 8x8 training digit touches the "
                                "top and the bottom row",
                                lambda v: 0.9 < v <= 1.0),
        "aug_dig_plain_moved": ("the plain networks fail on moved validation "
                                "images", lambda v: 0.1 < v
                                < _v("aug_dig_plain") - 0.2),
        "aug_dig_plain_moved_lo": ("range below the median",
                                   lambda v: v <= _v("aug_dig_plain_moved")),
        "aug_dig_plain_moved_hi": ("range above the median",
                                   lambda v: v >= _v("aug_dig_plain_moved")),
        "aug_dig_aug_moved": ("the augmented networks do better on moved "
                              "images than the plain ones",
                              lambda v: _v("aug_dig_plain_moved") < v <= 1.0),
        "aug_dig_aug_moved_lo": ("range below the median",
                                 lambda v: v <= _v("aug_dig_aug_moved")),
        "aug_dig_aug_moved_hi": ("range above the median",
                                 lambda v: v >= _v("aug_dig_aug_moved")),
        # --- sec_c: ch6-early ---
        "es_min_epoch": ("the validation loss is lowest long before epoch 40",
                         lambda v: isinstance(v, int) and 1 <= v <= 20),
        "es_min_epoch_lo": ("range below the median",
                            lambda v: 1 <= v <= _v("es_min_epoch")),
        "es_min_epoch_hi": ("range above the median, and before epoch 40",
                            lambda v: _v("es_min_epoch") <= v < 40),
        "es_loss_min": ("the lowest validation loss: below ln 10 (the untrained "
                        "net's, about) and above 1", lambda v: 1 < v
                        < math.log(10)),
        "es_loss_min_lo": ("range below the median",
                           lambda v: v <= _v("es_loss_min")),
        "es_loss_min_hi": ("range above the median",
                           lambda v: v >= _v("es_loss_min")),
        "es_loss_end": ("the validation loss climbs well above its minimum by "
                        "epoch 40; equal to aug_ref_loss (the same runs)",
                        lambda v: v > _v("es_loss_min") + 0.3
                        and v == _v("aug_ref_loss")),
        "es_loss_end_lo": ("range below the median",
                           lambda v: _v("es_loss_min_hi") < v
                           <= _v("es_loss_end")),
        "es_loss_end_hi": ("range above the median",
                           lambda v: v >= _v("es_loss_end")),
        "es_acc_at_min": ("the accuracy at the lowest loss: above chance, not "
                          "above the final accuracy",
                          lambda v: 0.2 < v <= _v("es_acc_end")),
        "es_acc_at_min_lo": ("range below the median",
                             lambda v: v <= _v("es_acc_at_min")),
        "es_acc_at_min_hi": ("range above the median",
                             lambda v: v >= _v("es_acc_at_min")),
        "es_acc_end": ("the final accuracy is the reference accuracy (the same "
                       "runs)", lambda v: v == _v("aug_ref_acc")),
        "es_acc_end_lo": ("the same runs", lambda v: v == _v("aug_ref_acc_lo")),
        "es_acc_end_hi": ("the same runs", lambda v: v == _v("aug_ref_acc_hi")),
        "es_acc_max_epoch": ("the accuracy peaks later than the loss bottoms out",
                             lambda v: _v("es_min_epoch") < v <= 40),
        "es_acc_max_epoch_lo": ("range below the median",
                                lambda v: 1 <= v <= _v("es_acc_max_epoch")),
        "es_acc_max_epoch_hi": ("range above the median",
                                lambda v: _v("es_acc_max_epoch") <= v <= 40),
        # the stopper stops when wait >= patience: stop = best + patience, and
        # the stopped run's best epoch is the loss minimum over its epochs, so
        # per seed it is at most the minimum over all 40
        "es_best": ("best epoch of patience 5: at most the epoch of the lowest "
                    "loss over 40 epochs", lambda v: 1 <= v
                    <= _v("es_min_epoch")),
        "es_best_lo": ("range below the median", lambda v: 1 <= v
                       <= _v("es_best")),
        "es_best_hi": ("range above the median",
                       lambda v: _v("es_best") <= v <= _v("es_min_epoch_hi")),
        "es_stop": ("patience 5 stops 5 epochs after the best one",
                    lambda v: v == _v("es_best") + 5 and v < 40),
        "es_stop_lo": ("5 after the earliest best epoch",
                       lambda v: v == _v("es_best_lo") + 5),
        "es_stop_hi": ("5 after the latest best epoch, before epoch 40",
                       lambda v: v == _v("es_best_hi") + 5 and v < 40),
        "es_cost": ("the best epoch has the lowest validation loss before "
                    "the stop, so stopping later costs >= 0",
                    lambda v: 0 <= v < 0.5),
        "es_cost_lo": ("range below the median", lambda v: 0 <= v
                       <= _v("es_cost")),
        "es_cost_hi": ("range above the median", lambda v: v >= _v("es_cost")),
        "es_cost_seed0": ("one of the five seeds",
                          lambda v: _v("es_cost_lo") <= v <= _v("es_cost_hi")),
        "es_saved": ("the epochs saved are 40 minus the stop epoch",
                     lambda v: v == 40 - _v("es_stop")),
        "es_saved_lo": ("40 minus the latest stop",
                        lambda v: v == 40 - _v("es_stop_hi")),
        "es_saved_hi": ("40 minus the earliest stop",
                        lambda v: v == 40 - _v("es_stop_lo")),
        "es_restored_ok": ("the returned nets have the best epoch's validation "
                           "loss", lambda v: v is True),
        "es_best_is_min": ("patience 5 finds the lowest validation loss of all "
                           "40 epochs, for every seed", lambda v: v is True),
        "es_rule_ok": ("every run stops exactly patience epochs after its best",
                       lambda v: v is True),
        "es_same_path": ("until they stop, the early-stopped runs repeat the "
                         "reference runs", lambda v: v is True),
        "es_acc": ("the restored nets' accuracy: close to the accuracy at the "
                   "lowest loss, below the final accuracy",
                   lambda v: abs(v - _v("es_acc_at_min")) < 0.03
                   and v < _v("es_acc_end")),
        "es_acc_lo": ("range below the median", lambda v: v <= _v("es_acc")),
        "es_acc_hi": ("range above the median", lambda v: v >= _v("es_acc")),
        "es_best_p1": ("patience 1 finds its best epoch no later than "
                       "patience 5", lambda v: 1 <= v <= _v("es_best")),
        "es_best_p1_lo": ("range below the median",
                          lambda v: 1 <= v <= _v("es_best_p1")),
        "es_best_p1_hi": ("range above the median",
                          lambda v: _v("es_best_p1") <= v <= _v("es_best_hi")),
        "es_stop_p1": ("patience 1 stops one epoch after its best, and before "
                       "patience 5", lambda v: v == _v("es_best_p1") + 1
                       and v < _v("es_stop")),
        "es_stop_p1_lo": ("one after the earliest best epoch",
                          lambda v: v == _v("es_best_p1_lo") + 1),
        "es_stop_p1_hi": ("one after the latest best epoch",
                          lambda v: v == _v("es_best_p1_hi") + 1),
        "es_acc_p1": ("stopping at the first wobble costs validation accuracy",
                      lambda v: 0.1 < v < _v("es_acc")),
        "es_acc_p1_lo": ("range below the median",
                         lambda v: v <= _v("es_acc_p1")),
        "es_acc_p1_hi": ("range above the median",
                         lambda v: v >= _v("es_acc_p1")),
    # --- sec_d ---
        # ---- ch6-double-descent: random ReLU features, min-norm least squares
        "dd_n": ("the task's default training-set size", lambda v: v == 100),
        "dd_noise": ("sigma^2 for the default label noise 0.5",
                     lambda v: abs(v - 0.25) < 1e-12),
        "dd_peak_p": ("the median test MSE peaks at the threshold p = n",
                      lambda v: v == _v("dd_n") or 90 <= v <= 110),
        "dd_peak_mse": ("the peak is far above the classical sweet spot",
                        lambda v: v > 5 * _v("dd_sweet_mse")),
        "dd_peak_mse_lo": ("even the best draw at p = n is worse than the sweet "
                           "spot's median", lambda v: _v("dd_sweet_mse") < v
                           <= _v("dd_peak_mse")),
        "dd_peak_mse_hi": ("single draws at p = n blow up by orders of magnitude",
                           lambda v: v >= 100 * _v("dd_peak_mse")),
        "dd_train_peak": ("at p = n the fit (almost) interpolates",
                          lambda v: 0 <= v < 0.1 * _v("dd_sweet_train")),
        "dd_sweet_p": ("the classical sweet spot lies below n and below the peak",
                       lambda v: 10 <= v < _v("dd_n") and v < _v("dd_peak_p")),
        "dd_sweet_mse": ("the sweet spot's test MSE is above the noise floor",
                         lambda v: _v("dd_noise") < v < _v("dd_peak_mse")),
        "dd_sweet_train": ("below n the training error is positive and below "
                           "the test error", lambda v: 0 < v < _v("dd_sweet_mse")),
        "dd_last_mse": ("the second descent ends below the sweet spot, above "
                        "sigma^2", lambda v: _v("dd_noise") < v
                        < _v("dd_sweet_mse")),
        "dd_interpolates": ("past p = n the min-norm fit interpolates (full row "
                            "rank)", lambda v: v is True),
        "dd_norm_peak_p": ("the coefficient norm peaks at p = n too",
                           lambda v: 90 <= v <= 110),
        "dd_norm_peak": ("the norm at the peak dwarfs the sweet spot's",
                         lambda v: v > 3 * _v("dd_norm_sweet")),
        "dd_norm_sweet": ("a moderate norm at the sweet spot",
                          lambda v: _v("dd_norm_last") < v < _v("dd_norm_peak")),
        "dd_norm_last": ("the min-norm interpolator shrinks as p grows",
                         lambda v: 0 < v < _v("dd_norm_sweet")),
        # ---- ch6-ensembles: the five reference nets on the test set
        "ens_single_acc": ("single nets: well above chance (0.1), overfit",
                           lambda v: 0.3 < v < 0.5),
        "ens_single_acc_lo": ("min <= median", lambda v: 0.3 < v
                              <= _v("ens_single_acc")),
        "ens_single_acc_hi": ("median <= max", lambda v: _v("ens_single_acc")
                              <= v < 0.5),
        "ens_single_loss": ("overfit: near the final validation loss of "
                            "the reference runs (about 2.5)",
                            lambda v: 2.0 < v < 3.0),
        "ens_single_loss_lo": ("min <= median, and above ln 10 (uniform guess)",
                               lambda v: np.log(10) < v
                               <= _v("ens_single_loss")),
        "ens_single_loss_hi": ("median <= max",
                               lambda v: _v("ens_single_loss") <= v < 3.0),
        "ens_single_acc_range": ("max - min (up to rounding)",
                                 lambda v: abs(v - (_v("ens_single_acc_hi")
                                                    - _v("ens_single_acc_lo")))
                                 <= 1.5e-3 and v > 0),
        "ens_single_loss_range": ("max - min (up to rounding)",
                                  lambda v: abs(v - (_v("ens_single_loss_hi")
                                                     - _v("ens_single_loss_lo")))
                                  <= 1.5e-3 and v > 0),
        "ens_disagree_pct": ("two nets' accuracies differ by at most the "
                             "share of examples they disagree on",
                             lambda v: 100 * _v("ens_single_acc_range") <= v
                             < 100),
        "ens_all_acc": ("the 5-net ensemble beats every single net",
                        lambda v: _v("ens_single_acc_hi") < v <= 1),
        "ens_all_loss": ("Jensen: at most the members' mean loss (so below the "
                         "max); measured: below every single net",
                         lambda v: 0 < v < _v("ens_single_loss_lo")),
        "ens_three_acc": ("3-net ensembles beat the median single net",
                          lambda v: _v("ens_single_acc") < v <= 1),
        "ens_three_acc_lo": ("even the worst 3-net ensemble beats the single "
                             "nets' median", lambda v: _v("ens_single_acc") < v
                             <= _v("ens_three_acc")),
        "ens_three_acc_hi": ("median <= max", lambda v: _v("ens_three_acc")
                             <= v <= 1),
        "ens_three_acc_range": ("max - min; NOT narrower than the single nets' "
                                "range here (as the prose says)",
                                lambda v: abs(v - (_v("ens_three_acc_hi")
                                                   - _v("ens_three_acc_lo")))
                                <= 1.5e-3
                                and v >= _v("ens_single_acc_range")),
        "ens_three_loss": ("3-net ensembles: lower loss than single nets",
                           lambda v: _v("ens_all_loss") <= v
                           < _v("ens_single_loss")),
        "ens_three_loss_lo": ("min <= median", lambda v: 0 < v
                              <= _v("ens_three_loss")),
        "ens_three_loss_hi": ("every 3-net ensemble below every single net",
                              lambda v: _v("ens_three_loss") <= v
                              < _v("ens_single_loss_lo")),
        "ens_three_loss_range": ("max - min, narrower than the single nets'",
                                 lambda v: abs(v - (_v("ens_three_loss_hi")
                                                    - _v("ens_three_loss_lo")))
                                 <= 1.5e-3
                                 and v < _v("ens_single_loss_range")),
    # --- sec_x ---
    "exp_label_plain": ("no regularization on 1,000 examples is diagnosed as overfit, as the reference runs are",
                        lambda v: v == "overfit"),
    "exp_label_reg": ("dropout, weight decay and all the training data together give a good fit",
                      lambda v: v == "good fit"),
    # --- sec_e ---

}


# --- Exercise 2: the three runs get their labels whatever the seed ----------

def test_exercise_2_labels_hold_over_seeds_and_the_checker_grades_them():
    """The runs of Exercise 2 (seed 5 on the page) get the same label from
    ``diagnose_learning_curves`` on seeds 0 to 5, so the answer does not
    depend on a lucky seed; and the checker accepts the labels the solution
    gives and rejects a swap."""
    import torch

    import lecturelib
    from lecturelib.data import load_mnist1d, stratified_subset
    from lecturelib.diagnostics import diagnose_learning_curves
    from lecturelib.exercises import check_curve_diagnoses
    from lecturelib.torchkit.experiments import train_mlp

    mnist1d = load_mnist1d()
    rows = stratified_subset(mnist1d.y_train, 250, rng=np.random.default_rng(0))
    ref = stratified_subset(mnist1d.y_train, 1000, rng=np.random.default_rng(0))  # the chapter's X, Y
    base = dict(hidden=[100, 100], activation="relu", weight_init="kaiming_normal", optimizer="adamw",
                lr=3e-3, batch_size=100, epochs=40, x_val=mnist1d.x_val, y_val=mnist1d.y_val)
    settings = {"A": dict(x=mnist1d.x_train[rows], y=mnist1d.y_train[rows]),
                "B": dict(x=mnist1d.x_train, y=mnist1d.y_train, weight_decay=2.0, epochs=30),
                "C": dict(x=mnist1d.x_train[ref], y=mnist1d.y_train[ref], lr=3e-5)}
    solution = {"A": ("overfit", None), "B": ("good fit", None), "C": ("underfit", "still improving")}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        histories = {}
        for seed in range(6):
            for name, kw in settings.items():
                lecturelib.seed_everything(seed)
                kw = {**base, **kw}
                history = train_mlp(kw.pop("x"), kw.pop("y"), seed=seed, **kw).history
                d = diagnose_learning_curves(history)
                assert (d.label, d.detail) == solution[name], (name, seed, d)
                histories[name] = history  # seed 5 last: the page's runs
    finally:
        torch.set_num_threads(threads)
    answers = {name: label for name, (label, _) in solution.items()}
    assert check_curve_diagnoses(answers, histories) is True
    assert check_curve_diagnoses({**answers, "A": "good fit", "B": "overfit"}, histories) is False
