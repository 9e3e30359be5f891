"""Chapter 5 (optimizers): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here by hand (closed forms, independent
re-derivations), not by the code that produced them; claims that compare two
numbers read the other one from ``VALUES``.
"""

from __future__ import annotations

import math

import numpy as np

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "05_optimizers.ipynb"))


def _v(name: str) -> float:
    return VALUES[name]



CLAIMS = {
    # --- sec_a ---
        # ---- ch5-lr: the bowl 0.1 w1^2 + 2 w2^2 (eigenvalues 0.2, 4), start (-4, 1)
        "lr_limit_predicted": ("the stability limit 2 / lambda_max = 2 / 4", lambda v: v == 0.5),
        "lr_growth_predicted": ("|1 - 0.6 * 4| = 1.4", lambda v: abs(v - 1.4) < 1e-9),
        "lr_growth_measured": ("the steep coordinate grows by exactly |1 - lr * lambda_max| per step",
                               lambda v: abs(v - 1.4) < 1e-4),
        # loss after t steps on a diagonal quadratic: sum_i lam_i / 2 * x_i^2 * (1 - lr lam_i)^(2t)
        "lr_loss_small": ("lr 0.02: the closed-form loss after 100 steps",
                          lambda v: math.isclose(v, 0.1 * 16 * 0.996**200 + 2 * 0.92**200, rel_tol=2e-3)),
        "lr_loss_right": ("lr 0.25: the closed-form loss after 100 steps (w2 gone after one step)",
                          lambda v: math.isclose(v, 0.1 * 16 * 0.95**200, rel_tol=2e-3)),
        "lr_loss_osc": ("lr 0.49: the closed-form loss after 100 steps",
                        lambda v: math.isclose(v, 0.1 * 16 * 0.902**200 + 2 * 0.96**200, rel_tol=2e-3)),
        "lr_loss_div": ("lr 0.6: the closed-form loss after 100 steps",
                        lambda v: math.isclose(v, 0.1 * 16 * 0.88**200 + 2 * 1.4**200, rel_tol=2e-3)),
        "lr_limit_measured": ("the loss grows from the first grid point above 2 / lambda_max (grid 0.005; at exactly "
                              "0.5 the steep coordinate neither grows nor shrinks)",
                              lambda v: 0.5 < v <= 0.5 + 0.005 + 1e-9),
        "lr_grows_above": ("and for every larger grid learning rate", lambda v: v is True),
        "lr_best_predicted": ("2 / (0.2 + 4)", lambda v: abs(v - 2 / 4.2) < 1e-3),
        # after 50 steps the best grid point is where the flat and steep terms balance, near 2 / (lam_min + lam_max)
        "lr_best_grid": ("the best grid lr is within two grid steps of 2 / (lam_min + lam_max)",
                         lambda v: abs(v - 2 / 4.2) <= 0.01 + 1e-9),
        # ---- ch5-conditioning
        "cond_kappa": ("kappa = 4 / 0.2", lambda v: abs(v - 20.0) < 1e-9),
        "cond_hb_lr": ("Polyak's lr 4 / (sqrt(4) + sqrt(0.2))^2",
                       lambda v: abs(v - 4 / (2 + math.sqrt(0.2)) ** 2) < 1e-3),
        "cond_hb_momentum": ("Polyak's beta ((sqrt(20) - 1) / (sqrt(20) + 1))^2",
                             lambda v: abs(v - ((math.sqrt(20) - 1) / (math.sqrt(20) + 1)) ** 2) < 1e-3),
        "cond_rate_gd_closed": ("(kappa - 1) / (kappa + 1) = 19 / 21", lambda v: abs(v - 19 / 21) < 1e-4),
        # at lr 2 / (lam_min + lam_max) both coordinates shrink by exactly (kappa - 1) / (kappa + 1)
        "cond_rate_gd": ("GD's measured rate equals the closed form (up to the glued rounding)",
                         lambda v: abs(v - 19 / 21) < 1e-4),
        "cond_rate_hb_closed": ("(sqrt(20) - 1) / (sqrt(20) + 1)",
                                lambda v: abs(v - (math.sqrt(20) - 1) / (math.sqrt(20) + 1)) < 1e-4),
        # the double roots give an error (a + b t) r^t: over steps 200..300 the geometric mean of the
        # ratios is r * ((a + 300 b) / (a + 200 b))^(1/100), between r and r * 1.5^(1/100)
        "cond_hb_bias_pct": ("(3/2)^(1/100) - 1 in percent", lambda v: abs(v - 100 * (1.5 ** 0.01 - 1)) < 0.01),
        "cond_rate_hb": ("heavy ball's measured rate: the closed form times at most (300/200)^(1/100)",
                         lambda v: (math.sqrt(20) - 1) / (math.sqrt(20) + 1) - 1e-4 < v
                         < (math.sqrt(20) - 1) / (math.sqrt(20) + 1) * 1.5 ** 0.01 + 1e-4),
        # GD at its best step from (1, 1): distance exactly r^t times the start
        "cond_steps_gd_10": ("ceil(ln 1e-6 / ln(9 / 11))", lambda v: v == math.ceil(math.log(1e-6) / math.log(9 / 11))),
        "cond_steps_gd_1000": ("ceil(ln 1e-6 / ln(999 / 1001))",
                               lambda v: v == math.ceil(math.log(1e-6) / math.log(999 / 1001))),
        # heavy ball from (1, 1), started at rest: per direction e_t = (1 + (1 - z) t) z^t with the double root
        # z = r (flat) and z = -r (steep); the count is the first t after which the distance stays <= 1e-6 * d_0
        "cond_steps_hb_10": ("the step count of the closed-form error t -> r^t (1 + (1 -+ r) t), kappa 10",
                             lambda v, r=(math.sqrt(10) - 1) / (math.sqrt(10) + 1): v == 1 + max(
                                 t for t in range(1000)
                                 if math.hypot(1 + (1 - r) * t, 1 + (1 + r) * t) * r**t > 1e-6 * math.sqrt(2))),
        "cond_steps_hb_1000": ("the same closed form at kappa 1000",
                               lambda v, r=(math.sqrt(1000) - 1) / (math.sqrt(1000) + 1): v == 1 + max(
                                   t for t in range(2000)
                                   if math.hypot(1 + (1 - r) * t, 1 + (1 + r) * t) * r**t > 1e-6 * math.sqrt(2))),
        "cond_ratio_gd": ("GD's steps at kappa 1000 over those at 10: about 100 (the ratio of the closed-form counts)",
                          lambda v: abs(v - _v("cond_steps_gd_1000") / _v("cond_steps_gd_10")) < 0.06
                          and abs(v / (math.log(9 / 11) / math.log(999 / 1001)) - 1) < 0.02),
        "cond_ratio_hb": ("heavy ball's ratio: near sqrt(100) = 10, a little above (the factor t)",
                          lambda v: abs(v - _v("cond_steps_hb_1000") / _v("cond_steps_hb_10")) < 0.06 and 10 < v < 13),
        # steps = ln(1/tol) / -ln r(kappa): -ln((k-1)/(k+1)) = 2/k + O(k^-3), so the slope is 1 within 1e-3 from
        # kappa 10 on; 0.02 also covers the ceiling of the counts
        "cond_slope_gd": ("GD's steps grow like kappa: log-log slope 1", lambda v: abs(v - 1.0) < 0.02),
        # the double roots' factor t adds about ln(t) / ln(1/tol) to the count's logarithm, and t grows like
        # sqrt(kappa): the slope rises by about 0.5 * 0.5 / (ln 1e6 + ln t), 0.01 to 0.04 over these kappas
        "cond_slope_hb": ("heavy ball's steps grow like sqrt(kappa): slope 1/2 (the factor t adds a few hundredths)",
                          lambda v: 0.5 <= v < 0.55),
        # ---- ch5-momentum
        "mom_gap_constant": ("PyTorch and Sutskever agree to rounding error while the lr is constant",
                             lambda v: v < 1e-12),
        # at the drop: torch w - 0.01 (0.9 v + g), Sutskever w - 0.09 v - 0.01 g; they differ by 0.081 v,
        # and the step before the drop was 0.1 v: the gap is 0.81 times that step
        "mom_gap_drop": ("the gap after the drop is 0.9 (0.1 - 0.01) |v| = 0.81 * the step before it",
                         lambda v: math.isclose(v, 0.81 * _v("mom_step_before"), rel_tol=2e-3)),
        "mom_step_before": ("a step of the momentum run before the drop", lambda v: 0.01 < v < 1.0),
        "mom_step_torch": ("torch rescales the whole velocity: the step falls to about a tenth (plus 0.01 g)",
                           lambda v: v < 0.2 * _v("mom_step_before")),
        "mom_step_sutskever": ("Sutskever keeps 0.9 of the velocity: the step falls by little",
                               lambda v: v > 0.8 * _v("mom_step_before") and v > 3 * _v("mom_step_torch")),
        # constant gradient: step / (lr g) = (1 - beta^t) / (1 - beta) after t steps
        "mom_eff_5": ("(1 - 0.5^300) / 0.5 = 2", lambda v: abs(v - 2.0) < 1e-3),
        "mom_eff_9": ("(1 - 0.9^300) / 0.1 = 10", lambda v: abs(v - 10.0) < 1e-3),
        "mom_eff_99": ("(1 - 0.99^300) / 0.01", lambda v: abs(v - (1 - 0.99**300) / 0.01) < 1e-3),
        "mom_warm_5": ("beta^t <= 0.1 from t = ceil(ln 0.1 / ln 0.5)",
                       lambda v: v == math.ceil(math.log(0.1) / math.log(0.5))),
        "mom_warm_9": ("beta^t <= 0.1 from t = ceil(ln 0.1 / ln 0.9)",
                       lambda v: v == math.ceil(math.log(0.1) / math.log(0.9))),
        "mom_warm_99": ("beta^t <= 0.1 from t = ceil(ln 0.1 / ln 0.99)",
                        lambda v: v == math.ceil(math.log(0.1) / math.log(0.99))),
        # kappa 100, lr 1 = 1 / lambda_max, start (1, 1): GD kills w2 in one step, w1 shrinks by 0.99 per step
        "mom_steps_gd": ("GD: ceil(ln(1e-6 sqrt 2) / ln 0.99)",
                         lambda v: v == math.ceil(math.log(1e-6 * math.sqrt(2)) / math.log(0.99))),
        # heavy ball's roots have modulus sqrt(0.9) in both directions, Nesterov's flat-direction roots
        # sqrt(0.9 * 0.99); the count is ln(1e-6) / ln(modulus) up to about half an oscillation period (20 %)
        "mom_steps_hb": ("heavy ball near ln 1e-6 / ln sqrt(0.9), far fewer than GD",
                         lambda v: abs(v / (math.log(1e-6) / math.log(math.sqrt(0.9))) - 1) < 0.2
                         and v < _v("mom_steps_gd") / 3),
        "mom_steps_nag": ("Nesterov near ln 1e-6 / ln sqrt(0.891), and fewer than heavy ball here",
                          lambda v: abs(v / (math.log(1e-6) / math.log(math.sqrt(0.891))) - 1) < 0.2
                          and v < _v("mom_steps_hb")),
        "mom_hb100_lr": ("Polyak's lr for eigenvalues 0.01 and 1: 4 / 1.1^2", lambda v: abs(v - 4 / 1.21) < 1e-3),
        "mom_hb100_momentum": ("Polyak's beta at kappa 100: (9 / 11)^2", lambda v: abs(v - (9 / 11) ** 2) < 1e-3),
        # Nesterov on eigenvalue lam: z^2 - (1 + b)(1 - a lam) z + b (1 - a lam) = 0; at lam_max = 1 the larger
        # root, with a = 4 / 1.21 and b = (9/11)^2, has modulus about 4.2
        "mom_nag_growth": ("Nesterov at heavy ball's optimum: the larger root's modulus at lambda_max",
                           lambda v: math.isclose(v, max(abs(np.roots([1, -(1 + (9 / 11) ** 2) * (1 - 4 / 1.21),
                                                                       (9 / 11) ** 2 * (1 - 4 / 1.21)]))),
                                                  rel_tol=1e-3)),
    # --- sec_b ---
    # ch5-batch: gradient noise
    "batch_slope_init": ("noise ~ B^(-1/2) at initialization (finite-population factor divided out)",
                         lambda v: abs(v + 0.5) < 0.05),
    "batch_slope_init_lo": ("every seed's slope near -1/2", lambda v: -0.6 < v <= _v("batch_slope_init")),
    "batch_slope_init_hi": ("every seed's slope near -1/2", lambda v: _v("batch_slope_init") <= v < -0.4),
    "batch_slope_trained": ("noise ~ B^(-1/2) after one epoch", lambda v: abs(v + 0.5) < 0.05),
    "batch_slope_trained_lo": ("every seed's slope near -1/2",
                               lambda v: -0.6 < v <= _v("batch_slope_trained")),
    "batch_slope_trained_hi": ("every seed's slope near -1/2",
                               lambda v: _v("batch_slope_trained") <= v < -0.4),
    "batch_fpc_256": ("finite-population factor sqrt((N - B) / (N - 1)) at N = 3600, B = 256",
                      lambda v: abs(v - math.sqrt((3600 - 256) / 3599)) < 1e-3),
    "batch_slope_raw_init": ("without the correction the slope is a little steeper, still near -1/2",
                             lambda v: -0.56 < v < _v("batch_slope_init")),
    "batch_slope_raw_trained": ("without the correction the slope is a little steeper",
                                lambda v: -0.56 < v < _v("batch_slope_trained")),
    "batch_ratio_init": ("one example's gradient noise is several times the full gradient's norm",
                         lambda v: 2 < v < 20),
    "batch_ratio_trained": ("after an epoch the full gradient is smaller relative to the noise",
                            lambda v: v > 1.5 * _v("batch_ratio_init")),
    "batch_cross_init": ("noise = signal at B = ratio^2 (noise ~ 1/sqrt(B))",
                         lambda v: abs(v - _v("batch_ratio_init") ** 2) <= 0.1 * _v("batch_ratio_init") * 2 + 1),
    "batch_cross_trained": ("noise = signal at B = ratio^2, larger than at initialization",
                            lambda v: abs(v - _v("batch_ratio_trained") ** 2)
                            <= 0.1 * _v("batch_ratio_trained") * 2 + 1 and v > _v("batch_cross_init")),
    # ch5-batch: loss per epoch and per step at a fixed learning rate
    "batch_start": ("He's initialization starts above ln 10 (its logits are not small)", lambda v: v > math.log(10)),
    "batch_fixed_40": ("batches of 40 learn well below chance in three epochs", lambda v: v < 0.75 * math.log(10)),
    "batch_fixed_40_lo": ("range of five seeds", lambda v: v <= _v("batch_fixed_40")),
    "batch_fixed_40_hi": ("range of five seeds", lambda v: _v("batch_fixed_40") <= v < _v("batch_fixed_3600_lo")),
    "batch_fixed_3600": ("three full-batch steps barely move the loss", lambda v: v > _v("batch_fixed_40") + 0.5),
    "batch_fixed_3600_lo": ("range of five seeds", lambda v: v <= _v("batch_fixed_3600")),
    "batch_fixed_3600_hi": ("and all below the start", lambda v: _v("batch_fixed_3600") <= v < _v("batch_start") + 0.2),
    "batch_step30_360": ("at lr 0.05 and equal steps the batch barely matters: within 5 % of batches of 40",
                         lambda v: abs(v / _v("batch_step30_40") - 1) < 0.05),
    "batch_step30_360_lo": ("range of five seeds", lambda v: v <= _v("batch_step30_360")),
    "batch_step30_360_hi": ("range of five seeds", lambda v: v >= _v("batch_step30_360")),
    "batch_step30_40": ("a third of an epoch in: above the three-epoch loss of batches of 40",
                        lambda v: v > _v("batch_fixed_40")),
    "batch_step30_40_lo": ("range of five seeds", lambda v: v <= _v("batch_step30_40")),
    "batch_step30_40_hi": ("range of five seeds", lambda v: v >= _v("batch_step30_40")),
    # ch5-batch: linear scaling rule
    "batch_scaled_120": ("lr x3 for batch x3: within 10 % of batches of 40",
                         lambda v: abs(v / _v("batch_fixed_40") - 1) < 0.1),
    "batch_scaled_120_lo": ("range of five seeds", lambda v: v <= _v("batch_scaled_120")),
    "batch_scaled_120_hi": ("range of five seeds", lambda v: v >= _v("batch_scaled_120")),
    "batch_scaled_360": ("lr x9 for batch x9: within 10 % of batches of 40",
                         lambda v: abs(v / _v("batch_fixed_40") - 1) < 0.1),
    "batch_scaled_360_lo": ("range of five seeds", lambda v: v <= _v("batch_scaled_360")),
    "batch_scaled_360_hi": ("range of five seeds", lambda v: v >= _v("batch_scaled_360")),
    "batch_scaled_1200": ("lr 1.5: clearly worse than batches of 40",
                          lambda v: v > 1.15 * _v("batch_fixed_40")),
    "batch_scaled_1200_lo": ("range of five seeds", lambda v: v <= _v("batch_scaled_1200")),
    "batch_scaled_1200_hi": ("range of five seeds", lambda v: v >= _v("batch_scaled_1200")),
    "batch_early_40": ("a tenth of an epoch with batches of 40 at lr 0.05: below the start",
                       lambda v: v < _v("batch_start")),
    "batch_early_40_lo": ("range of five seeds", lambda v: v <= _v("batch_early_40")),
    "batch_early_40_hi": ("range of five seeds", lambda v: v >= _v("batch_early_40")),
    "batch_early_360": ("one step at lr 0.45 does less than nine at 0.05", lambda v: v > _v("batch_early_40")),
    "batch_early_360_lo": ("range of five seeds, every seed behind every seed of batches of 40",
                           lambda v: _v("batch_early_40_hi") < v <= _v("batch_early_360")),
    "batch_early_360_hi": ("range of five seeds", lambda v: v >= _v("batch_early_360")),
    "batch_peak_1200": ("lr 1.5: the loss jumps above its start on the way",
                        lambda v: v > _v("batch_start")),
    "batch_peak_1200_lo": ("range of five seeds", lambda v: v <= _v("batch_peak_1200")),
    "batch_peak_1200_hi": ("range of five seeds", lambda v: v >= _v("batch_peak_1200")),
    "batch_scaled_3600": ("lr 4.5 with the full batch: training fails, loss far above the start",
                          lambda v: v > 2 * _v("batch_start")),
    "batch_scaled_3600_up": ("most of the five full-batch runs end above their start", lambda v: 3 <= v <= 5),
    # ch5-clipping: the deep linear network
    "clip_amplification": ("1.2 ** 11", lambda v: abs(v - 1.2 ** 11) < 0.05),
    "clip_norm0": ("the first gradient norm is well above the threshold 10", lambda v: v > 15),
    "clip_norm0_lo": ("range of five seeds, every one above the threshold",
                      lambda v: 10 < v <= _v("clip_norm0")),
    "clip_norm0_hi": ("range of five seeds", lambda v: v >= _v("clip_norm0")),
    "clip_diverged": ("all five seeds overflow without clipping", lambda v: v == 5),
    "clip_first_nan": ("the overflow comes within the first few dozen steps", lambda v: 1 < v < 40),
    "clip_first_nan_lo": ("range of five seeds", lambda v: 1 < v <= _v("clip_first_nan")),
    "clip_first_nan_hi": ("range of five seeds", lambda v: _v("clip_first_nan") <= v < 114),
    "clip_trained": ("all five seeds train with clipping", lambda v: v == 5),
    "clip_final": ("clipped runs end well below chance level ln 10", lambda v: v < 0.85 * math.log(10)),
    "clip_final_lo": ("range of five seeds", lambda v: v <= _v("clip_final")),
    "clip_final_hi": ("range of five seeds, all below ln 10", lambda v: _v("clip_final") <= v < math.log(10)),
    "clip_steps": ("two epochs of ceil(3600 / 64) = 57 steps", lambda v: v == 2 * math.ceil(3600 / 64)),
    "clip_percent": ("a small share of the steps is clipped", lambda v: 0 < v < 25),
    "clip_percent_lo": ("range of five seeds", lambda v: 0 < v <= _v("clip_percent")),
    "clip_percent_hi": ("range of five seeds", lambda v: _v("clip_percent") <= v < 25),
    "clip_slow_trained": ("lr 0.02 without clipping: all five seeds train", lambda v: v == 5),
    "clip_slow_final": ("lr 0.02 without clipping ends about as low as the clipped runs at 0.05",
                        lambda v: abs(v - _v("clip_final")) < 0.1),
    "clip_slow_final_lo": ("range of five seeds", lambda v: v <= _v("clip_slow_final")),
    "clip_slow_final_hi": ("range of five seeds, all below ln 10",
                           lambda v: _v("clip_slow_final") <= v < math.log(10)),
    "clip_last": ("all clipped steps come early", lambda v: v < _v("clip_steps") / 2),
    # ch5-clipping: the 2-D example, by hand
    "clip_angle_value": ("(4, 1) -> (1, 1): turned by 45 - atan(1/4) degrees",
                         lambda v: abs(v - (45 - math.degrees(math.atan(0.25)))) < 0.01),
    "clip_angle_norm": ("norm clipping multiplies both components by the same number: no turn",
                        lambda v: v == 0),
    "clip_len_value": ("|(1, 1)| = sqrt(2), above the threshold 1", lambda v: abs(v - math.sqrt(2)) < 1e-4),
    "clip_torch_gap": ("torch's clip_grad_value_ and clip_grad_norm_ give the same vectors", lambda v: 0 <= v < 1e-12),
    "clip_len_norm": ("sqrt(17) * 1 / (sqrt(17) + 1e-6): 1 to four decimals", lambda v: v == 1.0),
    # --- sec_c ---
    # --- ch5-network: tuning (grids: centre * 10**(-0.5, 0, 0.5))
    "net_lr_sgd": ("plain SGD: the middle of its grid, 1", lambda v: math.isclose(v, 1.0)),
    "net_lr_momentum": ("SGD with momentum: the middle of its grid, 0.1",
        lambda v: math.isclose(v, 0.1)),
    "net_lr_adagrad": ("Adagrad: the rate below the sweep's 0.1 (a tie on seeds 5-9 goes to the smaller)",
        lambda v: math.isclose(v, 10**-1.5, rel_tol=2e-3)),
    "net_lr_rmsprop": ("RMSprop: the rate below the sweep's 0.01", lambda v: math.isclose(v, 10**-2.5, rel_tol=2e-3)),
    "net_lr_adadelta": ("Adadelta: the middle of its grid, 10**0.5, above 1",
        lambda v: math.isclose(v, 10**0.5, rel_tol=2e-3) and v > 1),
    "net_lr_adam": ("Adam: the middle of its grid, 0.01, ten times its default 0.001",
        lambda v: math.isclose(v, 10 * 0.001)),
    "net_lr_adamw": ("AdamW: the middle of its grid, 0.01", lambda v: math.isclose(v, 0.01)),
    "net_best_middle": ("five of seven keep the sweep's rate on fresh seeds: all but RMSprop and Adagrad, whose "
                        "rates above are the lower neighbours", lambda v: v == 5),
    "net_grid_rmsprop_below": ("RMSprop: the rate below beats the sweep's best on seeds 5-9",
                               lambda v: v > _v("net_grid_rmsprop_middle")),
    "net_grid_rmsprop_middle": ("a validation accuracy, a multiple of 1/400", lambda v: _is_accuracy(v)),
    "net_grid_adagrad_below": ("Adagrad: a tie between the rate below and the middle",
                               lambda v: v == _v("net_grid_adagrad_middle") and _is_accuracy(v)),
    "net_grid_adagrad_middle": ("a validation accuracy, a multiple of 1/400", lambda v: _is_accuracy(v)),
    "net_grid_steps_one": ("three rates, five seeds, five epochs of 3600 / 100 = 36 steps",
                           lambda v: v == 3 * 5 * 5 * (3600 // 100)),
    # --- ch5-network: five seeds at the chosen rates
    "net_acc_sgd": ("sgd: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_sgd_lo") <= v <= _v("net_acc_sgd_hi")
        and 0.3 < v < 0.8),
    "net_acc_sgd_lo": ("sgd: lowest seed above chance", lambda v: 0.1 < v <= _v("net_acc_sgd")),
    "net_acc_sgd_hi": ("sgd: highest seed below 1", lambda v: _v("net_acc_sgd") <= v < 1),
    "net_loss_sgd": ("sgd: last-epoch loss below chance, ln 10", lambda v: 0 < v < math.log(10)),
    "net_acc_momentum": ("momentum: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_momentum_lo") <= v <= _v("net_acc_momentum_hi")
        and 0.3 < v < 0.8),
    "net_acc_momentum_lo": ("momentum: lowest seed above chance",
        lambda v: 0.1 < v <= _v("net_acc_momentum")),
    "net_acc_momentum_hi": ("momentum: highest seed below 1",
        lambda v: _v("net_acc_momentum") <= v < 1),
    "net_loss_momentum": ("momentum: last-epoch loss below chance, ln 10",
        lambda v: 0 < v < math.log(10)),
    "net_acc_adagrad": ("adagrad: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_adagrad_lo") <= v <= _v("net_acc_adagrad_hi")
        and 0.3 < v < 0.8),
    "net_acc_adagrad_lo": ("adagrad: lowest seed above chance",
        lambda v: 0.1 < v <= _v("net_acc_adagrad")),
    "net_acc_adagrad_hi": ("adagrad: highest seed below 1", lambda v: _v("net_acc_adagrad") <= v < 1),
    "net_loss_adagrad": ("adagrad: last-epoch loss below chance, ln 10",
        lambda v: 0 < v < math.log(10)),
    "net_acc_rmsprop": ("rmsprop: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_rmsprop_lo") <= v <= _v("net_acc_rmsprop_hi")
        and 0.3 < v < 0.8),
    "net_acc_rmsprop_lo": ("rmsprop: lowest seed above chance",
        lambda v: 0.1 < v <= _v("net_acc_rmsprop")),
    "net_acc_rmsprop_hi": ("rmsprop: highest seed below 1", lambda v: _v("net_acc_rmsprop") <= v < 1),
    "net_loss_rmsprop": ("rmsprop: last-epoch loss below chance, ln 10",
        lambda v: 0 < v < math.log(10)),
    "net_acc_adadelta": ("adadelta: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_adadelta_lo") <= v <= _v("net_acc_adadelta_hi")
        and 0.3 < v < 0.8),
    "net_acc_adadelta_lo": ("adadelta: lowest seed above chance",
        lambda v: 0.1 < v <= _v("net_acc_adadelta")),
    "net_acc_adadelta_hi": ("adadelta: highest seed below 1",
        lambda v: _v("net_acc_adadelta") <= v < 1),
    "net_loss_adadelta": ("adadelta: last-epoch loss below chance, ln 10",
        lambda v: 0 < v < math.log(10)),
    "net_acc_adam": ("adam: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_adam_lo") <= v <= _v("net_acc_adam_hi")
        and 0.3 < v < 0.8),
    "net_acc_adam_lo": ("adam: lowest seed above chance", lambda v: 0.1 < v <= _v("net_acc_adam")),
    "net_acc_adam_hi": ("adam: highest seed below 1", lambda v: _v("net_acc_adam") <= v < 1),
    "net_loss_adam": ("adam: last-epoch loss below chance, ln 10", lambda v: 0 < v < math.log(10)),
    "net_acc_adamw": ("adamw: median validation accuracy between its min and max, far above chance 0.1",
        lambda v: _v("net_acc_adamw_lo") <= v <= _v("net_acc_adamw_hi")
        and 0.3 < v < 0.8),
    "net_acc_adamw_lo": ("adamw: lowest seed above chance", lambda v: 0.1 < v <= _v("net_acc_adamw")),
    "net_acc_adamw_hi": ("adamw: highest seed below 1", lambda v: _v("net_acc_adamw") <= v < 1),
    "net_acc_high": ("the highest of the seven medians, Adam's",
        lambda v: v == max(_v(f"net_acc_{k}") for k in ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw']) == _v("net_acc_adam")),
    "net_acc_low": ("the lowest median, Adagrad's alone, just below plain SGD's (the second lowest); the best-worst "
                    "gap is below the range of SGD with momentum",
        lambda v: v == min(_v(f"net_acc_{k}") for k in ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw'])
        == _v("net_acc_adagrad")
        and sorted(_v(f"net_acc_{k}") for k in ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw'])[1]
        == _v("net_acc_sgd") > v
        and _v("net_acc_high") - v < _v("net_acc_momentum_hi") - _v("net_acc_momentum_lo")),
    "net_loss_adamw": ("Adam and AdamW the two lowest last-epoch losses, SGD and Adagrad the two highest, momentum third",
        lambda v: (lambda s: s[:2] == sorted([v, _v("net_loss_adam")]) and s[2] == _v("net_loss_momentum")
                   and s[-2:] == sorted([_v("net_loss_sgd"), _v("net_loss_adagrad")]))(
            sorted(_v(f"net_loss_{k}") for k in ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw']))),
    "net_adamw_shrink": ("(1 - 0.01 * 0.01)**180: a 1.8 % shrink",
        lambda v: abs(v - 100 * (1 - (1 - 1e-4) ** 180)) < 0.05),
    # --- ch5-network: range test
    "net_range_lowest": ("the smoothed loss is lowest near a rate of one, ten times the suggestion",
        lambda v: 0.3 < v < 5
        and abs(v / _v("net_range_suggested") - 10) < 0.5),
    "net_range_suggested": ("median suggestion within its seed range",
        lambda v: _v("net_range_suggested_lo") <= v <= _v("net_range_suggested_hi")),
    "net_range_suggested_lo": ("a positive rate", lambda v: 0 < v <= _v("net_range_suggested")),
    "net_range_suggested_hi": ("below the rate where the loss is lowest",
        lambda v: v < _v("net_range_lowest")),
    "net_range_factor": ("suggestion / grid best, re-derived, and within the grid spacing sqrt(10)",
        lambda v: abs(v - _v("net_range_suggested") / _v("net_lr_momentum")) < 0.02
        and 1 / math.sqrt(10) <= v <= math.sqrt(10)),
    # --- ch5-network: update-to-data ratio
    "net_ratio_lr_small": ("SGD rate small: the grid best scaled",
        lambda v: math.isclose(v, _v("net_lr_sgd") / 100, rel_tol=1e-3)),
    "net_ratio_small_lo": ("seed minimum", lambda v: v <= _v("net_ratio_small")),
    "net_ratio_small_hi": ("seed maximum, within 0.2 decades of the minimum",
        lambda v: _v("net_ratio_small") <= v < _v("net_ratio_small_lo") + 0.2),
    "net_ratio_lr_mid": ("SGD rate mid: the grid best scaled",
        lambda v: math.isclose(v, _v("net_lr_sgd") / 10, rel_tol=1e-3)),
    "net_ratio_mid_lo": ("seed minimum", lambda v: v <= _v("net_ratio_mid")),
    "net_ratio_mid_hi": ("seed maximum, within 0.2 decades of the minimum",
        lambda v: _v("net_ratio_mid") <= v < _v("net_ratio_mid_lo") + 0.2),
    "net_ratio_lr_best": ("SGD rate best: the grid best scaled",
        lambda v: math.isclose(v, _v("net_lr_sgd"), rel_tol=1e-3)),
    "net_ratio_best_lo": ("seed minimum", lambda v: v <= _v("net_ratio_best")),
    "net_ratio_best_hi": ("seed maximum, within 0.2 decades of the minimum",
        lambda v: _v("net_ratio_best") <= v < _v("net_ratio_best_lo") + 0.2),
    "net_ratio_small": ("at a hundredth of the best rate: right at the rule of thumb, -3 +- 0.3",
        lambda v: abs(v + 3) < 0.3),
    "net_ratio_mid": ("a tenth of the best rate: in between, about a decade from each",
        lambda v: _v("net_ratio_small") + 0.5 < v < _v("net_ratio_best") - 0.5),
    "net_ratio_best": ("the best rate: far above the rule, more than a decade", lambda v: v > -2),
    "net_ratio_rise": ("Delta W = -lr g: a hundred times the rate, about two decades, somewhat fewer; consistent with the glued medians",
        lambda v: 1.5 < v < 2
        and abs(v - (_v("net_ratio_best") - _v("net_ratio_small"))) < 0.05),
    "net_ratio_gap": ("output layer above the first at every rate", lambda v: 0 < v < 1.5),
    "net_ratio_acc_small": ("the smallest rate is the worst run",
        lambda v: v < _v("net_ratio_acc_mid")),
    "net_ratio_acc_mid": ("in between",
        lambda v: _v("net_ratio_acc_small") < v < _v("net_ratio_acc_best")),
    "net_ratio_acc_best": ("the grid's best rate is the best run, above chance", lambda v: 0.1 < v < 1),
    # --- ch5-schedules
    "sched_loss_constant_lo": ("constant: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_constant")),
    "sched_loss_constant_hi": ("constant: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_constant")),
    "sched_acc_constant_lo": ("constant: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_constant")),
    "sched_acc_constant_hi": ("constant: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_constant")),
    "sched_loss_step_lo": ("step: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_step")),
    "sched_loss_step_hi": ("step: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_step")),
    "sched_acc_step_lo": ("step: seed minimum", lambda v: 0.05 < v < 1 and v <= _v("sched_acc_step")),
    "sched_acc_step_hi": ("step: seed maximum", lambda v: 0.05 < v < 1 and v >= _v("sched_acc_step")),
    "sched_loss_exp_lo": ("exp: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_exp")),
    "sched_loss_exp_hi": ("exp: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_exp")),
    "sched_acc_exp_lo": ("exp: seed minimum", lambda v: 0.05 < v < 1 and v <= _v("sched_acc_exp")),
    "sched_acc_exp_hi": ("exp: seed maximum", lambda v: 0.05 < v < 1 and v >= _v("sched_acc_exp")),
    "sched_loss_inv_lo": ("inv: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_inv")),
    "sched_loss_inv_hi": ("inv: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_inv")),
    "sched_acc_inv_lo": ("inv: seed minimum", lambda v: 0.05 < v < 1 and v <= _v("sched_acc_inv")),
    "sched_acc_inv_hi": ("inv: seed maximum", lambda v: 0.05 < v < 1 and v >= _v("sched_acc_inv")),
    "sched_loss_cosine_lo": ("cosine: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_cosine")),
    "sched_loss_cosine_hi": ("cosine: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_cosine")),
    "sched_acc_cosine_lo": ("cosine: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_cosine")),
    "sched_acc_cosine_hi": ("cosine: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_cosine")),
    "sched_loss_warmup_lo": ("warmup: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_warmup")),
    "sched_loss_warmup_hi": ("warmup: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_warmup")),
    "sched_acc_warmup_lo": ("warmup: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_warmup")),
    "sched_acc_warmup_hi": ("warmup: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_warmup")),
    "sched_loss_onecycle_lo": ("onecycle: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_onecycle")),
    "sched_loss_onecycle_hi": ("onecycle: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_onecycle")),
    "sched_acc_onecycle_lo": ("onecycle: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_onecycle")),
    "sched_acc_onecycle_hi": ("onecycle: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_onecycle")),
    "sched_loss_constant3_lo": ("constant3: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_constant3")),
    "sched_loss_constant3_hi": ("constant3: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_constant3")),
    "sched_acc_constant3_lo": ("constant3: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_constant3")),
    "sched_acc_constant3_hi": ("constant3: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_constant3")),
    "sched_loss_onecycle3_lo": ("onecycle3: seed minimum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v <= _v("sched_loss_onecycle3")),
    "sched_loss_onecycle3_hi": ("onecycle3: seed maximum",
        lambda v: 0 < v < math.log(10) + 0.1
        and v >= _v("sched_loss_onecycle3")),
    "sched_acc_onecycle3_lo": ("onecycle3: seed minimum",
        lambda v: 0.05 < v < 1
        and v <= _v("sched_acc_onecycle3")),
    "sched_acc_onecycle3_hi": ("onecycle3: seed maximum",
        lambda v: 0.05 < v < 1
        and v >= _v("sched_acc_onecycle3")),
    "sched_loss_constant": ("constant rate: between the decaying schedules and chance",
        lambda v: 0 < v < math.log(10)),
    "sched_loss_step": ("step decay: even its best seed above the constant rate's worst",
        lambda v: _v("sched_loss_step_lo") > _v("sched_loss_constant_hi")),
    "sched_loss_cosine": ("cosine: best seed above constant's worst; all five decays have a range under half the constant's",
        lambda v: _v("sched_loss_cosine_lo") > _v("sched_loss_constant_hi")
        and all(_v(f"sched_loss_{k}_hi") - _v(f"sched_loss_{k}_lo") < (_v("sched_loss_constant_hi") - _v("sched_loss_constant_lo")) / 2 for k in ["step", "exp", "inv", "cosine", "onecycle"])),
    "sched_loss_inv": ("1/t: best seed above constant's worst",
        lambda v: _v("sched_loss_inv_lo") > _v("sched_loss_constant_hi")),
    "sched_loss_exp": ("exponential: best seed above constant's worst, the worst median at peak eta",
        lambda v: _v("sched_loss_exp_lo") > _v("sched_loss_constant_hi")
        and v == max(_v("sched_loss_" + k) for k in ["constant", "step", "inv", "cosine", "warmup", "onecycle", "exp"])),
    "sched_loss_onecycle": ("one-cycle at eta: median above constant's",
        lambda v: v > _v("sched_loss_constant")),
    "sched_loss_warmup": ("warm-up: within the constant rate's range",
        lambda v: _v("sched_loss_constant_lo") <= v <= _v("sched_loss_constant_hi")),
    "sched_loss_constant3": ("constant at 3 eta: worse than at eta",
        lambda v: v > _v("sched_loss_constant_hi")),
    "sched_loss_onecycle3": ("one-cycle at 3 eta: the lowest median of the nine, range overlapping constant's",
        lambda v: v == min(_v("sched_loss_" + k) for k in ['constant', 'step', 'exp', 'inv', 'cosine', 'warmup', 'onecycle', 'constant3', 'onecycle3'])
        and _v("sched_loss_onecycle3_lo") <= _v("sched_loss_constant_hi")),
    "sched_acc_constant": ("constant: validation accuracy well above chance", lambda v: 0.3 < v < 0.8),
    "sched_acc_cosine": ("cosine overlaps constant",
        lambda v: _v("sched_acc_cosine_lo") <= _v("sched_acc_constant_hi")
        and _v("sched_acc_constant_lo") <= _v("sched_acc_cosine_hi")),
    "sched_acc_warmup": ("warm-up overlaps constant",
        lambda v: _v("sched_acc_warmup_lo") <= _v("sched_acc_constant_hi")
        and _v("sched_acc_constant_lo") <= _v("sched_acc_warmup_hi")),
    "sched_acc_step": ("step decay overlaps constant",
        lambda v: _v("sched_acc_step_lo") <= _v("sched_acc_constant_hi")
        and _v("sched_acc_constant_lo") <= _v("sched_acc_step_hi")),
    "sched_acc_onecycle": ("one-cycle at eta overlaps constant",
        lambda v: _v("sched_acc_onecycle_lo") <= _v("sched_acc_constant_hi")
        and _v("sched_acc_constant_lo") <= _v("sched_acc_onecycle_hi")),
    "sched_acc_inv": ("1/t falls behind: median below constant's lowest seed",
        lambda v: v < _v("sched_acc_constant_lo")),
    "sched_acc_exp": ("exponential falls behind: median below constant's lowest seed",
        lambda v: v < _v("sched_acc_constant_lo")),
    "sched_acc_constant3": ("constant at 3 eta: accuracy drops below every seed at eta",
        lambda v: v < _v("sched_acc_constant_lo")),
    "sched_acc_onecycle3": ("one-cycle at 3 eta: highest median of the nine, range overlapping constant's",
        lambda v: v == max(_v("sched_acc_" + k) for k in ['constant', 'step', 'exp', 'inv', 'cosine', 'warmup', 'onecycle', 'constant3', 'onecycle3'])
        and _v("sched_acc_onecycle3_lo") <= _v("sched_acc_constant_hi")),
    # mean rate / eta over t = 0..179, re-derived in closed form
    "sched_mean_constant": ("constant: 1", lambda v: v == 1.0),
    "sched_mean_constant3": ("3", lambda v: abs(v - 3) < 1e-3),
    "sched_mean_step": ("half at 1, half at 0.1: 0.55", lambda v: abs(v - 0.55) < 1e-3),
    "sched_mean_exp": ("mean of 0.01**(t/180); exp and 1/t, the two lowest mean rates, end with the two highest losses at peak eta",
        lambda v: abs(v - np.mean(0.01 ** (np.arange(180) / 180))) < 1e-3
        and sorted(_v("sched_loss_" + k) for k in ["constant", "step", "inv", "cosine", "warmup", "onecycle", "exp"])[-2:] == sorted([_v("sched_loss_exp"), _v("sched_loss_inv")])),
    "sched_mean_inv": ("mean of 1/(1 + t/18)",
        lambda v: abs(v - np.mean(1 / (1 + np.arange(180) / 18))) < 1e-3),
    "sched_mean_cosine": ("mean of (1 + cos(pi t/180))/2, about 0.5",
        lambda v: abs(v - np.mean((1 + np.cos(np.pi * np.arange(180) / 180)) / 2)) < 1e-3),
    "sched_mean_warmup": ("first 36 steps 0.1 + 0.9 t/36, then 1",
        lambda v: abs(v - np.mean(np.minimum(0.1 + 0.9 * np.arange(180) / 36, 1))) < 1e-3),
    "sched_mean_onecycle": ("one-cycle at eta: below 1, above the exponential decay",
        lambda v: _v("sched_mean_exp") < v < 1),
    "sched_mean_onecycle3": ("three times one-cycle at eta",
        lambda v: abs(v - 3 * _v("sched_mean_onecycle")) < 2e-3),
    "sched_torch_gap": ("Scheduler and torch's own schedulers agree to rounding", lambda v: 0 <= v < 1e-12),
    "sched_torch_count": ("step, exponential, cosine, linear warm-up and two one-cycle runs: every schedule but "
                          "constant and 1/t, which torch has no scheduler for", lambda v: v == 9 - 3),
    # --- sec_d ---
        # ch5-adaptive: six optimizers, 500 steps, distance from the minimum
        "ada_rb_start": ("Rosenbrock's start (-1.2, 1) is 2.2 from its minimum (1, 1)",
                         lambda v: abs(v - 2.2) < 1e-9),
        "ada_rb_mom": ("momentum ends closest to Rosenbrock's minimum, within 0.15",
                       lambda v: v < 0.15 and v == min(_v(f"ada_rb_{k}") for k in (
                           "sgd", "mom", "adagrad", "rmsprop", "adadelta", "adam"))),
        "ada_rb_adam": ("Adam next: behind momentum, ahead of the other adaptive methods",
                        lambda v: _v("ada_rb_mom") < v < min(_v("ada_rb_rmsprop"), _v("ada_rb_adagrad"),
                                                             _v("ada_rb_adadelta"))),
        "ada_rb_rmsprop": ("RMSprop: well short of the minimum", lambda v: 0.3 < v < _v("ada_rb_start")),
        "ada_rb_adagrad": ("Adagrad: well short of the minimum", lambda v: 0.3 < v < _v("ada_rb_start")),
        "ada_rb_adadelta": ("Adadelta: well short of the minimum", lambda v: 0.3 < v < _v("ada_rb_start")),
        "ada_rb_sgd": ("plain SGD covers less than half the distance", lambda v: _v("ada_rb_start") / 2 < v),
        "ada_beale_adam": ("Beale: Adam ends within a few hundredths", lambda v: v < 0.05),
        "ada_beale_rmsprop": ("Beale: RMSprop within a few hundredths", lambda v: v < 0.05),
        "ada_beale_adagrad": ("Beale: Adagrad within a few hundredths", lambda v: v < 0.05),
        "ada_beale_mom": ("Beale: momentum farther than those three",
                          lambda v: v > max(_v("ada_beale_adam"), _v("ada_beale_rmsprop"),
                                            _v("ada_beale_adagrad"))),
        "ada_beale_sgd": ("Beale: plain SGD farther than momentum", lambda v: v > _v("ada_beale_mom")),
        "ada_beale_adadelta": ("Beale: Adadelta farther than momentum", lambda v: v > _v("ada_beale_mom")),
        # the saddle x1^2 - x2^2 from (1, 0.001): SGD's x2 grows by 1 + 2 lr per step
        "ada_sgd_x2": ("SGD's x2 after 500 steps is 0.001 (1 + 2 * 0.001)^500",
                       lambda v: abs(v - 1e-3 * 1.002**500) < 1e-5),
        # torch's heavy ball on x2: b <- 0.9 b - 2 x, x <- x - 0.001 b, i.e. (x, b) <- A (x, b)
        "ada_esc_mom": ("momentum leaves at the step the heavy-ball recurrence predicts",
                        lambda v: v == next(t for t in range(1, 5000) if abs((np.linalg.matrix_power(
                            np.array([[1.002, -0.0009], [-2.0, 0.9]]), t) @ [1e-3, 0.0])[0]) > 1)),
        "ada_esc_adagrad": ("Adagrad's first step moves x2 by lr = 1, to 1.001: out at step 1",
                            lambda v: v == 1),
        # every RMSprop step is at most lr / sqrt(1 - alpha) = 0.3, since v >= (1 - alpha) g^2
        "ada_esc_rmsprop": ("RMSprop needs at least ceil(0.999 / 0.3) = 4 steps, and about that many",
                            lambda v: math.ceil(0.999 / (0.03 / math.sqrt(1 - 0.99))) <= v <= 6),
        "ada_esc_adam": ("Adam: about 1 / lr = 10 steps of about lr each", lambda v: 8 <= v <= 15),
        "ada_esc_adadelta": ("Adadelta: slower than Adam, much faster than momentum",
                             lambda v: _v("ada_esc_adam") < v < _v("ada_esc_mom") / 5),
        # a constant gradient of 1 (and 100), 1000 steps
        "ada_adagrad_ratio": ("Adagrad's step is lr / sqrt(t): step 1 / step 100 = sqrt(100)",
                              lambda v: abs(v - math.sqrt(100)) < 1e-3),
        "ada_rms_first": ("RMSprop's first step: lr / sqrt(1 - alpha) = 10 lr",
                          lambda v: abs(v - 1 / math.sqrt(1 - 0.99)) < 1e-3),
        "ada_rms_last": ("step 1000: lr / sqrt(1 - 0.99^1000)",
                         lambda v: abs(v - 1 / math.sqrt(1 - 0.99**1000)) < 1e-3),
        "ada_delta_first": ("Adadelta's first step: sqrt(eps / (eps + (1 - rho) g^2)) g with g = 1",
                            lambda v: abs(v - math.sqrt(1e-6 / (1e-6 + 0.1))) < 1e-5),
        "ada_delta_pred": ("the estimate sqrt((1 - rho) eps t) at t = 1000",
                           lambda v: abs(v - math.sqrt(0.1 * 1e-6 * 1000)) < 1e-6),
        "ada_delta_last": ("step 1000 just above that estimate (the early, larger steps add to u)",
                           lambda v: _v("ada_delta_pred") <= v < 1.1 * _v("ada_delta_pred")),
        "ada_scale_diff": ("gradients 1 and 100: the same step lengths up to eps",
                           lambda v: 0 <= v < 1e-3),
        "ada_adam_dev": ("bias-corrected Adam on a constant gradient: every step is lr (to eps / |g|)",
                         lambda v: v < 1e-6),
        "ada_adam_nobc_first": ("without correction: lr (1 - beta1) / sqrt(1 - beta2) = 3.162 lr",
                                lambda v: abs(v - 0.1 / math.sqrt(0.001)) < 1e-3),
        "ada_adam_nobc_peak": ("the largest (1 - 0.9^t) / sqrt(1 - 0.999^t) over t <= 1000",
                               lambda v: abs(v - max((1 - 0.9**t) / math.sqrt(1 - 0.999**t)
                                                     for t in range(1, 1001))) < 0.01),
        "ada_adam_nobc_peak_step": ("at the t that maximizes it",
                                    lambda v: v == max(range(1, 1001),
                                                       key=lambda t: (1 - 0.9**t) / math.sqrt(1 - 0.999**t))),
        "ada_adam_nobc_last": ("t = 1000: (1 - 0.9^1000) / sqrt(1 - 0.999^1000)",
                               lambda v: abs(v - (1 - 0.9**1000) / math.sqrt(1 - 0.999**1000)) < 1e-3),
        # along the paths on Rosenbrock
        "ada_first_grad": ("df/dx1 at (-1.2, 1): -2 (1 + 1.2) - 400 (-1.2) (1 - 1.44) = -215.6",
                           lambda v: abs(v - abs(-2 * 2.2 - 400 * -1.2 * (1 - 1.44))) < 1e-6),
        "ada_adagrad_first10_pct": ("the first ten gradients make up nearly all of Adagrad's sum at step 500",
                                    lambda v: 95 < v <= 100),
        "ada_adagrad_rate10": ("Adagrad's rate is at most lr / |g_1|: the first gradient is in the sum",
                               lambda v: v <= 1 / 215.6),
        "ada_adagrad_rate500": ("never above the rate at step 10 (the sum grows), within 1 % of it",
                                lambda v: 0.99 * _v("ada_adagrad_rate10") <= v <= _v("ada_adagrad_rate10")),
        "ada_adagrad_grad500": ("the gradient at step 500: more than a hundred times below 215.6",
                                lambda v: 0 < v < 215.6 / 100),
        "ada_rms_rise": ("RMSprop's rate ends well above its lowest value", lambda v: v > 1.5),
        # AdamW against L2 in Adam, lr 0.01
        "ada_adamw_free": ("AdamW, unused weight: (1 - lr wd)^100 with wd 0.1",
                           lambda v: abs(v - (1 - 0.01 * 0.1)**100) < 1e-4),
        "ada_adamw_free_small": ("AdamW, unused weight: (1 - lr wd)^100 with wd 0.001",
                                 lambda v: abs(v - (1 - 0.01 * 0.001)**100) < 1e-4),
        "ada_l2_free": ("Adam + L2: steps of at most about lr shrink it far below AdamW's",
                        lambda v: 0 <= v < 0.5 and v < _v("ada_adamw_free") - 0.5),
        "ada_l2_free_small": ("with wd 100 times smaller: the same, wd is normalized away",
                              lambda v: abs(v - _v("ada_l2_free")) < 1e-3),
        "ada_l2_w1": ("Adam + L2 converges to h / (h + wd) = 1 / 1.1",
                      lambda v: abs(v - 1 / 1.1) < 1e-4),
        "ada_l2_w2": ("and h / (h + wd) = 100 / 100.1 for the steep weight",
                      lambda v: abs(v - 100 / 100.1) < 1e-4),
        "ada_adamw_w1": ("AdamW: decayed below 1, less than L2 does to the flat weight",
                         lambda v: _v("ada_l2_w1") < v < 1),
        "ada_adamw_w2": ("AdamW moves both weights alike", lambda v: abs(v - _v("ada_adamw_w1")) < 1e-4),
        "ada_adamw_gap": ("the two AdamW weights differ only by rounding and eps", lambda v: v < 1e-6),
        "mom_torch_gap": ("torch.optim.SGD through on_arrays repeats the momentum sections' runs (and the kappa "
                          "sweep's step counts exactly) to rounding",
                          lambda v: 0 <= v < 1e-9),
        "ada_torch_adadelta": ("Adadelta's amplified gap stays far below the 2 digits of its quoted distance",
                               lambda v: 0 < v < 0.005 * _v("ada_rb_adadelta")),
        "ada_torch_adadelta_step": ("the paths agree to the last digit for the first 200 steps",
                                    lambda v: 200 <= v < 500),
        "ada_torch_adadelta_growth": ("a gap that grows geometrically, by more than 1 per step",
                                      lambda v: 1 < v < 3),
        "ada_torch_gap": ("torch.optim through on_arrays repeats every other run of 5.5 to rounding",
                          lambda v: 0 <= v < 1e-12),
        # AMSGrad on Reddi et al.'s example: gradients 3, -1, -1 sum to +1 per period, so x* = -1
        "ada_ams_adam": ("Adam with beta2 = 1 / (1 + 3^2) ends at the worst point, +1", lambda v: v > 0.9),
        "ada_ams_amsgrad": ("AMSGrad ends near the minimum -1", lambda v: v < -0.9),
        "ada_ams_adam_default": ("with torch's betas Adam finds -1 here", lambda v: v < -0.9),
        "ada_ams_amsgrad_default": ("and so does AMSGrad", lambda v: v < -0.9),
        "ada_ams_adam_b1": ("momentum alone (beta1 0.9) with the short beta2 0.1 avoids the failure",
                            lambda v: v < -0.9),
        "ada_ams_adam_b2": ("a long memory alone (beta2 0.999) with beta1 0 avoids it too", lambda v: v < -0.9),
        # ch5-explore: the static views
        "ada_view_sgd_div": ("SGD at lr 0.01 on Rosenbrock (curvature about 1330 at the start, "
                             "2 / lr = 200) diverges within a few steps", lambda v: 1 <= v <= 10),
        "ada_view_adam_dist": ("Adam at lr 1 ends closer than Adam at lr 0.1 after 500 steps",
                               lambda v: v < _v("ada_rb_adam")),
    # --- sec_e ---
        # exercises: Adam without bias correction, the range test, Adagrad and RMSProp on a constant gradient
        "ex_lr_steep": ("the range test's steepest point lies well below its minimum, and almost agrees with "
                        "a tenth of it", lambda v: 0 < v <= _v("ex_lr_min") / 10 ** 0.25
                        and abs(math.log10(v / _v("ex_lr_tenth"))) < 0.1),
        "ex_lr_min": ("Adam's range test on MNIST-1D bottoms out at a few hundredths",
                      lambda v: 0.01 < v < 0.3),
        "ex_lr_tenth": ("a tenth of the minimum", lambda v: abs(v - _v("ex_lr_min") / 10) <= 1e-3 * v),
        "ex_lr_low": ("half the smaller reading",
                      lambda v: abs(v - min(_v("ex_lr_steep"), _v("ex_lr_tenth")) / 2) <= 2e-3 * v),
        "ex_lr_high": ("twice the larger reading, at most half the minimum",
                       lambda v: abs(v - min(2 * max(_v("ex_lr_steep"), _v("ex_lr_tenth")), _v("ex_lr_min") / 2))
                       <= 2e-3 * v and _v("ex_lr_low") < v < _v("ex_lr_min") / 2),
        "ex_ema_age": ("the mean age of a moving average with beta 0.98 is beta / (1 - beta)", lambda v: v == 49),
        "ex_steps_per_decade": ("200 learning rates from 1e-5 to 10: 199 steps over six decades",
                                lambda v: abs(v - 199 / 6) < 0.01),
        "ex_ema_decades": ("49 batches at 199/6 batches per decade", lambda v: abs(v - 49 * 6 / 199) < 1e-3),
        "ex_lr_raw_min": ("the mini-batch losses' running mean bottoms out before the smoothed curve",
                          lambda v: 0 < v < _v("ex_lr_min")),
        "ex_ada_below_3pct": ("Adagrad's t-th step lr / sqrt(t) first below 0.03 lr: the smallest t > 1 / 0.03^2",
                              lambda v: v == math.floor(1 / 0.03**2) + 1 == 1112),
        "ex_rms9_within_1pct": ("RMSprop (alpha 0.9) step lr / sqrt(1 - 0.9^t) <= 1.01 lr from t >= "
                                "log(1 - 1/1.01^2) / log(0.9) on",
                                lambda v: v == math.ceil(math.log(1 - 1 / 1.01**2) / math.log(0.9)) == 38),
}


def _is_accuracy(v: float) -> bool:
    """A validation accuracy on MNIST-1D's 400 validation examples."""
    return 0 <= v <= 1 and abs(v * 400 - round(v * 400)) < 0.2


def test_the_grid_centres_are_the_committed_sweeps_best_rates():
    """The page says each grid's middle rate is that optimizer's best in benchmarks/lr_sweep.md."""
    import ast

    table = (ROOT / "benchmarks" / "lr_sweep.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| 10^")]
    names = [n.strip() for n in next(l for l in table.splitlines() if l.startswith("| rate")).split("|")[2:-1]]
    assert len(rows) == 11 and len(names) == 7
    best = {}
    for row in rows:
        cells = [c.strip() for c in row.split("|")[1:-1]]
        for name, cell in zip(names, cells[1:]):
            if cell.startswith("**"):
                best[name] = 10 ** float(cells[0][3:])
    source = next(c["source"] for c in read(ROOT / "chapters" / "05_optimizers.ipynb")["cells"]
                  if "net_centre = {" in "".join(c["source"]))
    source = "".join(source)
    literal = source[source.index("net_centre = ") + len("net_centre = "):source.index("}") + 1]
    centre = eval(compile(ast.parse(literal, mode="eval"), "net_centre", "eval"), {"__builtins__": {}})
    assert set(centre) == set(best) == set(names)
    for name in names:
        assert math.isclose(centre[name], best[name], rel_tol=1e-12), name
