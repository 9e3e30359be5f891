"""Chapter 1 (backpropagation): every number its prose states, asserted.

``CLAIMS`` maps each glued name to (the claim in words, a predicate on the
value); ``tests/test_chapters.py`` checks that every glued name has one.
Expected values are derived here independently of the code that produced
them: by hand from the layer shapes, from closed-form derivatives, or from
the theory the prose states; a measured value is checked against a band that
theory sets, and related values against each other.
"""

from __future__ import annotations

import math

from notebook_data import ROOT, glued, read

VALUES = glued(read(ROOT / "chapters" / "01_backpropagation.ipynb"))

# ---- derived by hand ------------------------------------------------------------------------------

EPS64 = 2.0**-52  # float64 machine epsilon
EPS32 = 2.0**-23
H_LIB = 1e-6  # the step the prose attributes to numerical_gradient and torch.autograd.gradcheck
SIGMA = 1 / (1 + math.exp(-0.5))  # sigma(0.5)
D1 = SIGMA * (1 - SIGMA)  # sigma'(0.5)
D3 = D1 * (1 - 6 * SIGMA + 6 * SIGMA**2)  # sigma'''(0.5)
TRUNCATION_AT_H_LIB = abs(D3) * H_LIB**2 / 6  # Taylor: centered error ~ |f'''| h^2 / 6
BEST_STEP = (3 * EPS64 * SIGMA / abs(D3)) ** (1 / 3)  # minimises |f'''| h^2 / 6 + eps |f| / h

# 64-128-128-10: weights plus biases of each layer
N_PARAMS = (64 * 128 + 128) + (128 * 128 + 128) + (128 * 10 + 10)  # = 26,122
# multiply-adds on a batch of 64: forward N n_in n_out per layer; backward one product of the same
# size for dx and one for dW
FORWARD = 64 * (64 * 128 + 128 * 128 + 128 * 10)
BACKWARD = 2 * FORWARD
FD_COST = 2 * N_PARAMS * FORWARD  # two forward passes per parameter
# FLOPs (2 per multiply-add): backward with dL/dx = 2 forwards; autograd in training skips dx of the first
# layer, whose input needs no gradient
FIRST_LAYER = 64 * 64 * 128
BACKPROP_WITH_DX = (FORWARD + BACKWARD) / FORWARD  # = 3
BACKPROP_AUTOGRAD = (FORWARD + BACKWARD - FIRST_LAYER) / FORWARD  # = 3 - 8192 / 25856

# bytes, float64 = 8: saved by autograd for 64-128-128-10 on a batch of 64 -- the input, the two
# ReLU outputs, the log-probabilities (64 x 10), int64 targets and one scalar; the numpy caches
# hold the input, z and a of each hidden layer and the output's z
SAVED_TORCH = 8 * 64 * (64 + 128 + 128 + 10) + 8 * 64 + 8
SAVED_NUMPY = 8 * 64 * (64 + 2 * 128 + 2 * 128 + 10)
PARAM_BYTES = 8 * N_PARAMS
PER_EXAMPLE = 8 * (64 + 128 + 128 + 10) + 8

LR = 0.5
EOS = 2 / LR  # gradient descent on a quadratic is stable while curvature < 2 / lr
DEPTH = 10
HE_STD = math.sqrt(2 / 64)
LARGE_OVER_HE = 0.3 / HE_STD  # per-layer growth of |delta| with std-0.3 ReLU weights
# sigmoid with He weights: E|W^T d|^2 = n Var(w) |d|^2 = 2 |d|^2, then sigma' <= 1/4
SIGMOID_LAYER_BOUND = math.sqrt(2) / 4
# a ReLU of a zero-mean Gaussian: E[a] = s / sqrt(2 pi), E[a^2] = s^2 / 2, so E[a] / sqrt(E[a^2]) = 1 / sqrt(pi)
RELU_MEAN_SHARE = 1 / math.sqrt(math.pi)


def v(name):
    return VALUES[name]


CLAIMS = {
    "pairing_max_error": ("'prediction - target' matches finite differences", lambda x: x < 1e-7),
    # gradient checking
    "fd_best_step": ("the best centered step is near (3 eps |f| / |f'''|)^(1/3), about a decade above the "
                     "library's 1e-6",
                     lambda x: abs(math.log10(x / BEST_STEP)) <= 0.5 and 0.5 <= math.log10(x / H_LIB) <= 1.5),
    "fd_library_step": ("numerical_gradient's default step is 1e-6, torch.autograd.gradcheck's default",
                        lambda x: x == H_LIB),
    "fd_error_at_library_step": ("at h = 1e-6 the error is rounding: far above the truncation term and "
                                 "below the rounding bound eps |f| / h",
                                 lambda x: 100 * TRUNCATION_AT_H_LIB < x < EPS64 * SIGMA / H_LIB),
    "fd_truncation_at_library_step": ("the 50-digit error at h = 1e-6 is the Taylor term |f'''| h^2 / 6",
                                      lambda x: math.isclose(x, TRUNCATION_AT_H_LIB, rel_tol=0.05)),
    "fd_relative_error_at_library_step": ("relative to sigma'(0.5) the error at h = 1e-6 is still tiny",
                                          lambda x: math.isclose(x, v("fd_error_at_library_step") / D1,
                                                                 rel_tol=0.2) and x < 1e-8),
    "gradcheck_max_error": ("a correct backward passes far inside the tolerance",
                            lambda x: x < 1e-7 and x < v("gradcheck_rtol") / 10),
    "gradcheck_rtol": ("check_gradients' tolerance lies between rounding and a bug",
                       lambda x: x == 1e-6 and 100 * v("gradcheck_max_error") < x < v("bug_error") / 1e3),
    "bug_error": ("dividing a gradient by N = 8 gives the relative error (1 - 1/8) / (1 + 1/8) = 7/9",
                  lambda x: math.isclose(x, 7 / 9, abs_tol=1e-4)),
    "bug_error_predicted": ("the formula's value for N = 8 is 7/9", lambda x: math.isclose(x, 7 / 9, abs_tol=1e-4)),
    "fd_n_points": ("the float32 comparison is a median over several points", lambda x: x >= 5),
    "fd_float32_relative_error": ("in float32 the median error at h = 1e-6 is of order 0.1: rounding of "
                                  "order eps32 |f| / (h f')",
                                  lambda x: 0.03 <= x <= EPS32 * SIGMA / (H_LIB * D1)),
    "fd_float32_best_step": ("float32's best step is far larger than float64's, near (eps32)^(1/3) or above",
                             lambda x: 1e-3 <= x <= 3e-2 and x > 100 * v("fd_best_step")),
    "fd_float32_best_error": ("even at its best step float32 stays far above float64",
                              lambda x: EPS32 / 10 < x < 1e-3 and x > 1e4 * v("fd_float64_best_error")),
    "fd_float64_best_error": ("float64 at its best step: about eps64^(2/3)",
                              lambda x: EPS64 < x < 100 * EPS64 ** (2 / 3)),
    # autograd
    "accumulated_ratio": ("two backward passes without a reset give twice the gradient",
                          lambda x: math.isclose(x, 2.0, abs_tol=1e-6)),
    "param_bytes": ("the parameters of 64-128-128-10 take 8 bytes each", lambda x: x == PARAM_BYTES),
    "saved_bytes_numpy": ("the numpy MLP caches the input, z and a per hidden layer, and the logits",
                          lambda x: x == SAVED_NUMPY),
    "saved_bytes_torch": ("autograd saves the input, each ReLU output, the log-probabilities, the targets "
                          "and a scalar", lambda x: x == SAVED_TORCH),
    "saved_bytes_no_grad": ("under no_grad nothing is saved", lambda x: x == 0),
    "saved_bytes_per_layer_example": ("a hidden layer of width 128 saves 128 float64 per example",
                                      lambda x: x == 128 * 8),
    "saved_bytes_per_example": ("64-128-128-10 saves 8 (64 + 128 + 128 + 10) + 8 bytes per example",
                                lambda x: x == PER_EXAMPLE),
    "memory_crossover_batch": ("saved tensors outweigh the parameters from a batch of about P*8 / per-example",
                               lambda x: x == round(PARAM_BYTES / PER_EXAMPLE)),
    # cost
    "n_params": ("parameter count of 64-128-128-10, by hand", lambda x: x == N_PARAMS),
    "backprop_over_forward": ("measured FLOPs: forward plus backward with dL/dx = 3 forward passes, as the "
                              "layer shapes give", lambda x: math.isclose(x, BACKPROP_WITH_DX, abs_tol=0.005)),
    "autograd_over_forward": ("measured FLOPs: autograd skips the first layer's dx",
                              lambda x: math.isclose(x, BACKPROP_AUTOGRAD, abs_tol=0.005)),
    "fd_passes_per_parameter": ("measured FLOPs: a centered difference is two forward passes",
                                lambda x: x == FD_COST // (N_PARAMS * FORWARD) == 2),
    "fd_over_backprop": ("finite differences cost about 2P/3 backprops, to the thousand",
                         lambda x: x == round(2 * N_PARAMS / 3, -3)),
    # training and the edge of stability
    "spiral_lr": ("the spiral network trains at learning rate 0.5", lambda x: x == LR),
    "spiral_accuracy": ("gradient descent fits the spirals", lambda x: x >= 95.0),
    "eos_threshold": ("the stability limit is 2 / lr = 4", lambda x: x == EOS),
    "n_early_steps": ("the sharpness is measured at every step through the early jump",
                      lambda x: x > v("sharpness_peak_step") + 50),
    "sharpness_1000": ("halfway through, the sharpness is still below 2 / lr", lambda x: 3.0 < x < EOS),
    "sharpness_cross_before": ("the last sampled step below 2 / lr is one sampling interval earlier",
                               lambda x: x == v("sharpness_cross_step") - 50),
    "sharpness_cross_step": ("the sharpness reaches 2 / lr just before the loss begins to rise",
                             lambda x: 0 <= v("bump_start") - x <= 150),
    "bump_start": ("the loss rises about two thirds of the way through the 2,000 steps",
                   lambda x: 1000 <= x <= 1500),
    "bump_rise_pct": ("a visible but modest rise", lambda x: 1.0 <= x <= 20.0),
    "alternating_fraction": ("after the rise the loss alternates up and down at (nearly) every step",
                             lambda x: x >= 0.95),
    "flip_from_step": ("the flipping points are counted from 100 steps after the rise begins",
                       lambda x: x == v("bump_start") + 100),
    "n_flipping": ("a few of the 300 training points (more than one) flip class back and forth",
                   lambda x: 2 <= x <= 15),
    "grad_norm_start": ("at initialization the gradient is of order one", lambda x: 0.1 <= x <= 10),
    "grad_norm_before": ("where the rise begins, gradient descent has shrunk the gradient many times over",
                         lambda x: x < v("grad_norm_start") / 20),
    "grad_norm_after": ("the gradient norm grows again while the iterates bounce",
                        lambda x: x > 3 * v("grad_norm_before") and x < v("grad_norm_start")),
    "sharpness_end_step": ("the last measured pair of steps is near the end of the 2,000",
                           lambda x: 1900 <= x <= 2000),
    "sharpness_end_s": ("at the edge of stability the sharpness hovers a little above 2 / lr",
                        lambda x: EOS < x < 1.25 * EOS),
    "sharpness_end_s1": ("at the next step it differs: the sharpness alternates, near 2 / lr",
                         lambda x: 0.9 * EOS < x < 1.25 * EOS and abs(x - v("sharpness_end_s")) > 0.05),
    "sharpness_init": ("at initialization the sharpness is below 2 / lr (unlike a catapult)",
                       lambda x: 2.0 < x < EOS),
    "early_cross_step": ("progressive sharpening: the sharpness passes 2 / lr well before the jump",
                         lambda x: 0 < x < v("early_spike_step") - 10),
    "sharpness_peak": ("during the jump the sharpness is far above 2 / lr", lambda x: x > 1.5 * EOS),
    "sharpness_peak_step": ("the sharpness peaks during the jump",
                            lambda x: abs(x - v("early_spike_step")) <= 5),
    "early_spike_step": ("the early jump comes within the first hundred steps", lambda x: 0 < x < 100),
    "after_spike_step": ("a step well after the jump", lambda x: x >= v("early_spike_step") + 30),
    "sharpness_after_spike": ("after the jump the sharpness is below 2 / lr", lambda x: x < EOS),
    # vanishing and exploding gradients (medians over seeds)
    "n_seeds": ("profiles are summarised over at least 20 seeds", lambda x: x >= 20),
    "band_low_pct": ("the band's lower edge is the 5th percentile", lambda x: x == 5),
    "band_high_pct": ("the band's upper edge is the 95th percentile", lambda x: x == 95),
    "sigmoid_ratio": ("sigmoid gradients vanish towards the input, below the He-sigmoid bound (sqrt(2)/4)^10",
                      lambda x: x < SIGMOID_LAYER_BOUND**DEPTH),
    "sigmoid_factor": ("each sigmoid layer shrinks |delta|: by more than sigma' <= 1/4 alone would allow, "
                       "since the weights contribute sqrt(2), and less than sqrt(2)/4",
                       lambda x: 0.25 < x < SIGMOID_LAYER_BOUND),
    "relu_ratio": ("ReLU with He init keeps the gradient of order one (theory: 1)", lambda x: 0.5 <= x <= 2.0),
    "relu_ratio_low": ("the ReLU band's lower edge is of order one", lambda x: 0.3 <= x <= v("relu_ratio")),
    "relu_ratio_high": ("the ReLU band's upper edge is of order one", lambda x: v("relu_ratio") <= x <= 3.0),
    "large_over_he": ("0.3 is 0.3 / sqrt(2/64) times He's standard deviation",
                      lambda x: math.isclose(x, LARGE_OVER_HE, abs_tol=5e-4)),
    "large_ratio_predicted": ("theory: |delta| grows by (0.3 / sqrt(2/64))^10 over ten layers",
                              lambda x: x == round(LARGE_OVER_HE**DEPTH)),
    "large_ratio": ("too-large weights explode the gradient towards the input, as the theory predicts",
                    lambda x: math.isclose(x, LARGE_OVER_HE**DEPTH, rel_tol=0.25)),
    "relu_inactive_fraction": ("about half of the ReLU units are off (z is symmetric around zero)",
                               lambda x: 0.45 <= x <= 0.55),
    # exercises
    "exercise2_answer": ("sqrt(2) * 1/4 to two decimals", lambda x: x == round(SIGMOID_LAYER_BOUND, 2)),
    "he_first_smallest": ("with He's weights too the first layer has the smallest weight gradient",
                          lambda x: x >= 0.8 * v("n_seeds")),
    "ex3_product_low": ("|delta| |a_in| does not grow with (0.3 / He)^l: the growths cancel",
                        lambda x: v("ex3_product_high") / x < 1.3),
    "ex3_product_high": ("the spread of |delta| |a_in| over the layers is far below one layer's growth",
                         lambda x: x / v("ex3_product_low") < LARGE_OVER_HE),
    "ex3_adds_up_first": ("|dW| / (|delta| |a|) is in (0, 1] (Cauchy-Schwarz), smallest at the pixels",
                          lambda x: 0 < x < v("ex3_adds_up_last") / 2),
    "ex3_adds_up_last": ("ReLU inputs add up far better", lambda x: x <= 1),
    "ex3_mean_share_pixels": ("standardized pixels have a batch mean near zero", lambda x: x < 0.1),
    "ex3_mean_share_relu": ("a ReLU of a zero-mean Gaussian: mean / rms = 1 / sqrt(pi)",
                            lambda x: math.isclose(x, RELU_MEAN_SHARE, rel_tol=0.1)),
    "ex3_mean_share_last": ("the mean share grows with depth, below 1",
                            lambda x: v("ex3_mean_share_relu") < x < 1),
    "large_first_layer_share": ("with std-0.3 weights the first layer's weight gradient is a small share "
                                "of the largest", lambda x: 0.0 < x < 0.5),
    "large_first_smallest": ("the first layer has the smallest weight gradient in (nearly) every seed",
                             lambda x: x >= 0.9 * v("n_seeds")),
}


def test_hand_counts_match_the_prose():
    # the numbers the claims rest on, spelled out once more
    assert N_PARAMS == 26_122
    assert SAVED_TORCH == 169_480 and SAVED_NUMPY == 300_032 and PER_EXAMPLE == 2_648
    assert round(2 * N_PARAMS / 3) == 17_415
    assert BACKPROP_WITH_DX == 3 and math.isclose(BACKPROP_AUTOGRAD, 2.683, abs_tol=1e-3)
