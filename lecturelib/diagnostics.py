"""Per-layer statistics of a network: what the forward and backward passes look like inside.

These functions *measure*; :mod:`lecturelib.plotting` draws what they return.
The functions here work on numpy :class:`~lecturelib.mlp.MLP` networks;
:func:`lecturelib.torchkit.hooks.layer_statistics` measures the same
statistics on a torch module with hooks.  :func:`diagnose_learning_curves`
reads a whole training run instead: it labels its training and validation
loss curves (underfit, overfit, ...) from a :class:`~lecturelib.history.History`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (as_float_array, as_index_array, as_labels, check_int, check_number, check_option,
                          check_rng, check_same_shape)
from .activations import ACTIVATIONS, get_activation
from .mlp import MLP

__all__ = [
    "LayerStatistics",
    "SeedBand",
    "over_seeds",
    "decay_factor",
    "activation_profile",
    "SATURATION_BOUNDS",
    "saturated_fraction",
    "dead_fraction",
    "gradient_norms",
    "layer_statistics",
    "gradient_norm_profile",
    "linear_variance",
    "init_statistics",
    "LEARNING_CURVE_LABELS",
    "Diagnosis",
    "diagnose_learning_curves",
]


@dataclass(frozen=True)
class LayerStatistics:
    """Statistics of every hidden layer of one forward and backward pass.

    Every field is an array of shape ``(L,)`` indexed by linear layer ``l``
    (the last entry is the output layer, whose activation is the identity).

    Attributes
    ----------
    activation_mean, activation_std : ndarray
        Mean and standard deviation of ``a^(l)`` pooled over batch and units.
    activation_spread : ndarray
        The spread *across examples*: the standard deviation of each unit over
        the batch, averaged over the units,
        :math:`\\frac{1}{n}\\sum_j \\operatorname{std}_i a^{(l)}_{ij}`. This is the part
        of the activations that depends on the input. A unit with a fixed
        offset (a sigmoid's 0.5, a bias) raises ``activation_std`` but not
        this, so when the input's signal dies out ``activation_spread`` falls
        while ``activation_std`` can stay flat.
    preactivation_std : ndarray
        Standard deviation of ``z^(l)``.
    frac_zero : ndarray
        Fraction of entries of ``a^(l)`` that are exactly zero (dead ReLUs).
    frac_saturated : ndarray
        Fraction of entries where the activation's derivative is below
        ``saturation_threshold`` times its maximum (saturated sigmoid/tanh);
        zero for activations that do not saturate (ReLU, identity).
    delta_std : ndarray
        Standard deviation of the back-propagated ``dL/dz^(l)``.
    weight_grad_norm : ndarray
        Frobenius norm of ``dL/dW^(l)``.
    """

    activation_mean: np.ndarray
    activation_std: np.ndarray
    activation_spread: np.ndarray
    preactivation_std: np.ndarray
    frac_zero: np.ndarray
    frac_saturated: np.ndarray
    delta_std: np.ndarray
    weight_grad_norm: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """The fields as a plain dict (for tables)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


#: Largest value of the derivative of each saturating activation.
MAX_DERIVATIVE = {"sigmoid": 0.25, "tanh": 1.0}

#: Output range outside which a unit counts as saturated during training:
#: :math:`|\tanh| > 0.97` (derivative below :math:`1 - 0.97^2 \approx 0.06`) and a
#: sigmoid outside :math:`[0.03, 0.97]` (derivative below :math:`0.03 \cdot 0.97
#: \approx 0.03`, an eighth of its maximum). The activations of the ReLU family
#: do not saturate for positive inputs and have no entry.
SATURATION_BOUNDS: dict[str, tuple[float, float]] = {"tanh": (-0.97, 0.97), "sigmoid": (0.03, 0.97)}


def saturated_fraction(a: np.ndarray, activation: str) -> float:
    """Fraction of the entries of ``a`` outside :data:`SATURATION_BOUNDS` of ``activation``.

    Parameters
    ----------
    a : ndarray of float, any shape
        Outputs of the activation (not its inputs).
    activation : str
        A name of :data:`lecturelib.activations.ACTIVATIONS`; 0.0 for the
        ones without saturation bounds.

    Examples
    --------
    >>> saturated_fraction(np.array([-0.99, -0.5, 0.0, 0.98]), "tanh")
    0.5
    >>> saturated_fraction(np.array([0.0, 3.0]), "relu")
    0.0
    """
    a = as_float_array(a, "a")
    activation = check_option(activation, "activation", ACTIVATIONS)
    if activation not in SATURATION_BOUNDS or a.size == 0:
        return 0.0
    low, high = SATURATION_BOUNDS[activation]
    return float(np.mean((a < low) | (a > high)))


def dead_fraction(a: np.ndarray) -> float:
    """Fraction of units (columns of ``a``) that are exactly zero on every example (row).

    A ReLU unit whose pre-activation is negative for every input outputs zero
    for all of them, passes no gradient to its weights, and stays so: it is
    *dead* on this batch.

    Parameters
    ----------
    a : ndarray of float, shape (N, n)
        Activations of one layer on ``N >= 1`` examples.

    Examples
    --------
    >>> dead_fraction(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]))
    0.3333333333333333
    """
    a = as_float_array(a, "a", ndim=2)
    if a.shape[0] == 0:
        raise ValueError(f"a must hold at least one example (row), got shape {a.shape}")
    return float(np.mean(np.all(a == 0.0, axis=0)))


def gradient_norms(model: MLP) -> np.ndarray:
    """Frobenius norm of each weight gradient, shape ``(L,)``, from the last backward."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    if not model.grads:
        raise RuntimeError("model has no gradients: call forward and backward first")
    return np.array([np.linalg.norm(model.grads[f"{l}.weight"]) for l in range(model.n_layers)])


def layer_statistics(
    model: MLP, x: np.ndarray, y: np.ndarray, *, saturation_threshold: float = 0.1
) -> LayerStatistics:
    """Run one forward and backward pass and summarise every layer.

    Parameters
    ----------
    model : MLP
    x : ndarray, shape (N, n_0)
    y : ndarray of int, shape (N,)
        Class indices; the loss is softmax cross-entropy.
    saturation_threshold : float, default 0.1
        A sigmoid/tanh unit counts as saturated where ``f'(z)`` is below this
        fraction of the largest derivative (0.25 for sigmoid, 1 for tanh).

    Returns
    -------
    LayerStatistics
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, got {type(model).__name__}")
    saturation_threshold = check_number(saturation_threshold, "saturation_threshold", low=0.0, high=1.0)
    model.loss_and_grads(x, y)
    frac_saturated = []
    for l, z in enumerate(model.preactivations):
        name = model.layer_activation(l)
        if name in MAX_DERIVATIVE:
            grad = get_activation(name)[1](z)
            frac_saturated.append(float(np.mean(grad < saturation_threshold * MAX_DERIVATIVE[name])))
        else:
            frac_saturated.append(0.0)
    acts = model.activations[1:]
    return LayerStatistics(
        activation_mean=np.array([a.mean() for a in acts]),
        activation_std=np.array([a.std() for a in acts]),
        activation_spread=np.array([a.std(axis=0).mean() for a in acts]),
        preactivation_std=np.array([z.std() for z in model.preactivations]),
        frac_zero=np.array([np.mean(a == 0.0) for a in acts]),
        frac_saturated=np.array(frac_saturated),
        delta_std=np.array([d.std() for d in model.deltas]),
        weight_grad_norm=gradient_norms(model),
    )


def _deep_mlp(x, y, *, depth, width, activation, weight_init, n_classes, rng) -> tuple[MLP, np.ndarray, np.ndarray]:
    """``MLP([n_0] + [width] * depth + [n_classes])`` and validated ``(x, y)``."""
    x = as_float_array(x, "x", ndim=2)
    y = as_labels(y, "y", n_rows=len(x))
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    n_classes = check_int(int(y.max()) + 1 if n_classes is None else n_classes, "n_classes", low=1)
    y = as_index_array(y, "y", n_classes=n_classes)
    model = MLP([x.shape[1]] + [width] * depth + [n_classes], activation=activation,
                weight_init=weight_init, rng=check_rng(rng))
    return model, x, y


def gradient_norm_profile(
    x: np.ndarray,
    y: np.ndarray,
    *,
    depth: int,
    activation: str,
    width: int = 64,
    weight_init: str = "kaiming_normal",
    n_classes: int | None = None,
    of: str = "delta",
    rng: np.random.Generator,
) -> np.ndarray:
    """Gradient norm at every layer of a freshly initialised deep MLP.

    Builds ``MLP([n_0] + [width] * depth + [n_classes])``, so ``depth`` hidden
    layers and ``depth + 1`` linear layers, runs one forward and backward pass
    of softmax cross-entropy, and returns for ``l = 1, ..., depth + 1`` (input
    side first) either

    - ``of="delta"``: ``||delta^(l)||_F = ||dL/dz^(l)||_F``, the error signal
      that reaches layer ``l`` (the product of per-layer factors), or
    - ``of="weight"``: ``||dL/dW^(l)||_F = ||delta^(l) a^(l-1)T||_F``, what the
      optimizer sees; it also carries the size of the layer's input.

    Parameters
    ----------
    x : ndarray, shape (N, n_0)
    y : ndarray of int, shape (N,)
    depth : int
        Number of hidden layers (>= 1).
    activation : str
        Hidden activation.
    width : int, default 64
    weight_init : str, default "kaiming_normal"
    n_classes : int, optional
        Number of outputs; by default ``max(y) + 1``.
    of : {"delta", "weight"}, default "delta"
        Which gradient to measure (see above).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (depth + 1,)
    """
    of = check_option(of, "of", ("delta", "weight"))
    model, x, y = _deep_mlp(x, y, depth=depth, width=width, activation=activation, weight_init=weight_init,
                            n_classes=n_classes, rng=rng)
    model.loss_and_grads(x, y)
    if of == "weight":
        return gradient_norms(model)
    return np.array([np.linalg.norm(delta) for delta in model.deltas])


def linear_variance(
    n_in: int,
    *,
    weight_std: float,
    x_std: float = 1.0,
    n_out: int = 256,
    n_samples: int = 256,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Predicted and measured variance of ``z = W x`` for zero-mean Gaussian ``W`` and ``x``.

    .. math:: \\operatorname{Var}(z_j) = n_\\text{in} \\operatorname{Var}(w) \\operatorname{Var}(x)

    holds when weights and inputs are independent and have zero mean
    (Glorot & Bengio, 2010).  The measurement draws one ``(n_out, n_in)``
    weight matrix and ``n_samples`` inputs and takes the variance over all
    ``n_samples * n_out`` entries of ``z``.

    Returns
    -------
    (predicted, measured) : tuple of float
    """
    n_in = check_int(n_in, "n_in", low=1)
    weight_std = check_number(weight_std, "weight_std", low=0.0)
    x_std = check_number(x_std, "x_std", low=0.0)
    n_out = check_int(n_out, "n_out", low=1)
    n_samples = check_int(n_samples, "n_samples", low=2)
    rng = check_rng(rng)
    weight = rng.normal(0.0, weight_std, size=(n_out, n_in))
    x = rng.normal(0.0, x_std, size=(n_samples, n_in))
    return n_in * weight_std**2 * x_std**2, float(np.var(x @ weight.T))


def init_statistics(
    x: np.ndarray,
    y: np.ndarray,
    *,
    depth: int,
    activation: str,
    weight_init: str | Callable[..., np.ndarray],
    width: int = 256,
    n_classes: int | None = None,
    rng: np.random.Generator,
) -> tuple[LayerStatistics, list[np.ndarray]]:
    """Forward and backward statistics of a freshly initialised deep MLP.

    Builds ``MLP([n_0] + [width] * depth + [n_classes])`` with the given
    activation and weight initializer (biases zero), runs one forward and
    backward pass of softmax cross-entropy on ``(x, y)``.

    Returns
    -------
    stats : LayerStatistics
        One entry per linear layer (``depth + 1``).
    hidden : list of ndarray
        The hidden activations ``a^(1), ..., a^(depth)``, each ``(N, width)``,
        for histograms.
    """
    model, x, y = _deep_mlp(x, y, depth=depth, width=width, activation=activation, weight_init=weight_init,
                            n_classes=n_classes, rng=rng)
    stats = layer_statistics(model, x, y)
    return stats, model.activations[1:-1]


@dataclass(frozen=True)
class SeedBand:
    """A per-layer profile summarised over independent random draws.

    Attributes
    ----------
    median, low, high : ndarray, shape (L,)
        Per-layer median and the ``quantiles`` of the runs.
    runs : ndarray, shape (n_seeds, L)
        Every run, one row per seed.
    quantiles : tuple of float
        The quantiles (in percent) of ``low`` and ``high``.
    """

    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: np.ndarray
    quantiles: tuple[float, float]


def over_seeds(
    profile: Callable[[np.random.Generator], np.ndarray],
    seeds: Sequence[int] | range,
    *,
    quantiles: tuple[float, float] = (5.0, 95.0),
) -> SeedBand:
    """Run ``profile(rng)`` once per seed and summarise the runs per layer.

    A result that depends on a random draw (one weight matrix per layer) is
    reported as a median and a band over many draws, never from one seed.

    Parameters
    ----------
    profile : callable
        ``profile(rng) -> ndarray of shape (L,)``, e.g.
        ``lambda rng: gradient_norm_profile(x, y, depth=10, activation="relu", rng=rng)``.
    seeds : sequence of int
        At least 5 seeds (20 or more for cheap per-layer profiles); run ``i``
        uses ``numpy.random.default_rng(seeds[i])``.
    quantiles : (float, float), default (5, 95)
        Percentiles of the band.

    Returns
    -------
    SeedBand

    Examples
    --------
    >>> band = over_seeds(lambda rng: rng.standard_normal(3), range(20))
    >>> band.runs.shape, band.median.shape
    ((20, 3), (3,))
    """
    if not callable(profile):
        raise TypeError(f"profile must be callable as profile(rng), got {type(profile).__name__}")
    seeds = [check_int(s, f"seeds[{i}]", low=0) for i, s in enumerate(seeds)]
    if len(seeds) < 5:
        raise ValueError(f"seeds must hold at least 5 seeds, got {len(seeds)}")
    lo = check_number(quantiles[0], "quantiles[0]", low=0.0, high=100.0)
    hi = check_number(quantiles[1], "quantiles[1]", low=lo, high=100.0)
    runs = np.array([np.asarray(profile(np.random.default_rng(s)), dtype=float) for s in seeds])
    if runs.ndim != 2:
        raise ValueError(f"profile must return a 1-D array of the same length for every seed, got shape {runs.shape}")
    return SeedBand(median=np.median(runs, axis=0), low=np.percentile(runs, lo, axis=0),
                    high=np.percentile(runs, hi, axis=0), runs=runs, quantiles=(lo, hi))


def decay_factor(values: np.ndarray, *, first: int = 1, last: int | None = None) -> float:
    r"""The average factor per layer by which a per-layer quantity changes.

    .. math:: c = \left(\frac{v_\text{last}}{v_\text{first}}\right)^{1/(\text{last} - \text{first})}

    the geometric mean of the layer-to-layer ratios between layers ``first``
    and ``last`` (1-based, as the book counts layers; default the last entry).

    Examples
    --------
    >>> decay_factor(np.array([1.0, 0.5, 0.25]))
    0.5
    """
    values = as_float_array(values, "values", ndim=1)
    last = len(values) if last is None else last
    first = check_int(first, "first", low=1, high=len(values) - 1)
    last = check_int(last, "last", low=first + 1, high=len(values))
    if values[first - 1] <= 0 or values[last - 1] <= 0:
        raise ValueError(f"values must be positive at layers {first} and {last}, got "
                         f"{values[first - 1]} and {values[last - 1]}")
    return float((values[last - 1] / values[first - 1]) ** (1.0 / (last - first)))


def activation_profile(
    x: np.ndarray,
    *,
    depth: int,
    activation: str,
    weight_init: str | Callable[..., np.ndarray],
    width: int = 256,
    statistic: str = "spread",
    rng: np.random.Generator,
) -> np.ndarray:
    """The size of the activations at every hidden layer of a fresh deep MLP (forward pass only).

    Builds ``MLP([n_0] + [width] * depth + [1])`` and runs ``x`` through it.
    Cheap enough to repeat over many seeds (:func:`over_seeds`).

    Parameters
    ----------
    x : ndarray, shape (N, n_0)
    depth : int
        Number of hidden layers.
    activation : str
    weight_init : str or callable
        As for :class:`~lecturelib.mlp.MLP` (``"linear_default"`` includes
        torch's random biases; every other name starts them at zero).
    width : int, default 256
    statistic : {"spread", "std", "rms", "saturated", "dead"}, default "spread"
        ``"spread"``: the standard deviation of each unit across the
        examples, averaged over units (what carries the input; see
        :attr:`LayerStatistics.activation_spread`). ``"std"``: the standard
        deviation pooled over examples and units. ``"rms"``: the root mean
        square :math:`\\sqrt{\\operatorname{mean}(a^2)}`, i.e. the length of
        the activation vectors (what a linear layer's singular values scale).
        ``"saturated"``: :func:`saturated_fraction`. ``"dead"``:
        :func:`dead_fraction`.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (depth,)
        The statistic at hidden layers ``1, ..., depth``.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((64, 16))
    >>> activation_profile(x, depth=3, activation="tanh", weight_init="xavier_normal",
    ...                    width=16, rng=np.random.default_rng(0)).shape
    (3,)
    """
    x = as_float_array(x, "x", ndim=2)
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    statistic = check_option(statistic, "statistic", ("spread", "std", "rms", "saturated", "dead"))
    model = MLP([x.shape[1]] + [width] * depth + [1], activation=activation, weight_init=weight_init,
                rng=check_rng(rng))
    model.forward(x)
    hidden = model.activations[1:-1]
    if statistic == "spread":
        return np.array([a.std(axis=0).mean() for a in hidden])
    if statistic == "rms":
        return np.array([np.sqrt(np.mean(a * a)) for a in hidden])
    if statistic == "saturated":
        return np.array([saturated_fraction(a, activation) for a in hidden])
    if statistic == "dead":
        return np.array([dead_fraction(a) for a in hidden])
    return np.array([a.std() for a in hidden])


# ---------------------------------------------------------------- Chapter 6: learning curves

#: The five diagnoses of a pair of learning curves (Brownlee, 2019), in the
#: words :func:`diagnose_learning_curves` returns them.
LEARNING_CURVE_LABELS: tuple[str, ...] = (
    "underfit", "overfit", "unrepresentative training set", "unrepresentative validation set", "good fit",
)


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """What :func:`diagnose_learning_curves` concluded, and the measurements that decided it.

    Every loss-valued measurement is a fraction of the starting training
    loss ``loss[0]`` (the untrained model's loss, ``ln K`` for ``K`` balanced
    classes), which is what a plot of the curves from zero to their start
    shows: a gap of 0.1 is a tenth of the plot's height.

    Attributes
    ----------
    label : str
        One of :data:`LEARNING_CURVE_LABELS`.
    detail : str or None
        For ``"underfit"``: ``"flat"`` (the training loss hardly fell) or
        ``"still improving"`` (it still falls at the end: trained too
        briefly). For ``"unrepresentative validation set"``: ``"noisy"`` or
        ``"below training"``. ``None`` for the other labels.
    reason : str
        The check that decided, with the measurement and its threshold.
    train_fall : float
        How far the training loss fell: ``(loss[0] - end) / loss[0]``, with
        ``end`` the mean over the last ``window`` epochs.
    train_end_rate : float
        The training loss's rate of fall over the last quarter of the epochs
        (at least ``window``; the slope of a least-squares line) as a
        fraction of its average rate from the start to that quarter's
        middle: 1 for a straight line, near 0 once it has levelled off; NaN
        if it did not fall on average. A quarter, not a few epochs, so that
        the epoch-to-epoch noise of a training loss measured with dropout
        hardly moves it.
    val_noise : float
        The epoch-to-epoch scatter of the validation loss,
        :math:`\\operatorname{median}_t |\\Delta^2 v_t| / (0.6745 \\sqrt{6})`
        from its second differences :math:`\\Delta^2 v_t = v_{t+1} - 2 v_t + v_{t-1}`:
        for white noise of standard deviation :math:`\\sigma` added to a
        smooth curve, :math:`\\Delta^2 v_t` has standard deviation
        :math:`\\sqrt{6}\\,\\sigma` and a median absolute value of 0.6745
        times that, so this estimates :math:`\\sigma`. The median ignores the
        sharp bend of the first epochs, which a mean of squares would count.
    final_gap : float
        Validation minus training loss, each averaged over the last
        ``window`` epochs; negative when the validation loss is lower.
    val_rise : float
        How far the validation loss, smoothed by a moving average over
        ``window`` epochs, ends above its smallest value.
    val_min_epoch : int
        The epoch (``history.steps`` if it has them, else the index) at the
        centre of the window where the smoothed validation loss is smallest.
    train_fall_after_val_min : float
        How far the smoothed training loss fell from ``val_min_epoch`` to the
        end; positive when it kept falling while the validation loss rose.
    """

    label: str
    detail: str | None
    reason: str
    train_fall: float
    train_end_rate: float
    val_noise: float
    final_gap: float
    val_rise: float
    val_min_epoch: int
    train_fall_after_val_min: float

    def __str__(self) -> str:
        name = self.label + (f" ({self.detail})" if self.detail else "")
        return (f"{name}: {self.reason}.\n"
                f"  training loss fell by {self.train_fall:.1%} of its start; at the end it falls at "
                f"{self.train_end_rate:.2f} x its average rate\n"
                f"  validation loss: smallest at epoch {self.val_min_epoch}, then rises by {self.val_rise:.1%} "
                f"(training loss falls {self.train_fall_after_val_min:.1%} more); noise {self.val_noise:.1%}\n"
                f"  final gap (validation - training): {self.final_gap:+.1%} of the starting loss")

    def __repr__(self) -> str:
        numbers = ", ".join(f"{name}={getattr(self, name):.3g}" for name in self.__dataclass_fields__
                            if name not in ("label", "detail", "reason", "val_min_epoch"))
        return (f"Diagnosis(label={self.label!r}, detail={self.detail!r}, {numbers}, "
                f"val_min_epoch={self.val_min_epoch})")


#: The median of |z| for a standard normal z: a median absolute value over 0.6745 estimates a standard deviation.
_NORMAL_MAD = 0.6744897501960817


def _history_curve(history: Any, name: str) -> np.ndarray:
    """``history[name]`` as a 1-D float array, with errors that name what is missing."""
    try:
        values = history[name]
    except KeyError as err:
        raise ValueError(f"history must record {name!r} every epoch (train with validation data for "
                         f"'val_loss'), got {err}") from err
    except (TypeError, IndexError) as err:
        raise TypeError(f"history must be a History or support history[{name!r}] -> array, "
                        f"got {type(history).__name__}") from err
    return as_float_array(values, f"history[{name!r}]", ndim=1)


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Means of ``window`` consecutive entries, shape ``(len(values) - window + 1,)``."""
    return np.convolve(values, np.ones(window) / window, mode="valid")


def _curve_measurements(loss: np.ndarray, val: np.ndarray, steps: Sequence[int], window: int) -> dict[str, Any]:
    """The measurements of :class:`Diagnosis` (all but label, detail and reason)."""
    start, n = loss[0], len(loss)
    end_train, end_val = loss[-window:].mean(), val[-window:].mean()
    tail = max(window, n // 4)
    slope = np.polyfit(np.arange(tail), loss[-tail:], 1)[0]
    average_rate = (start - loss[-tail:].mean()) / (n - 1 - (tail - 1) / 2)  # the tail's mean sits at its middle
    smooth_train, smooth_val = _moving_average(loss, window), _moving_average(val, window)
    lowest = int(np.argmin(smooth_val))
    return dict(
        train_fall=float((start - end_train) / start),
        train_end_rate=float(-slope / average_rate) if average_rate > 0 else float("nan"),
        val_noise=float(np.median(np.abs(np.diff(val, 2))) / (_NORMAL_MAD * np.sqrt(6)) / start),
        final_gap=float((end_val - end_train) / start),
        val_rise=float((smooth_val[-1] - smooth_val[lowest]) / start),
        val_min_epoch=int(steps[lowest + (window - 1) // 2]),
        train_fall_after_val_min=float((smooth_train[lowest] - smooth_train[-1]) / start),
    )


def _decide(m: dict[str, Any], *, min_fall: float, max_noise: float, max_below: float, min_rise: float,
            still_improving: float, max_gap: float) -> tuple[str, str | None, str]:
    """``(label, detail, reason)`` from the measurements, checked in the order of :func:`diagnose_learning_curves`."""
    if m["train_fall"] <= min_fall:
        return "underfit", "flat", (f"the training loss fell by only {m['train_fall']:.1%} of its start "
                                    f"(min_fall = {min_fall:.0%})")
    if m["val_noise"] > max_noise:
        return "unrepresentative validation set", "noisy", (
            f"the validation loss scatters by {m['val_noise']:.1%} of the starting loss from epoch to epoch "
            f"(max_noise = {max_noise:.0%})")
    if m["final_gap"] < -max_below:
        return "unrepresentative validation set", "below training", (
            f"the validation loss ends {-m['final_gap']:.1%} of the starting loss below the training loss "
            f"(max_below = {max_below:.0%})")
    if m["val_rise"] > min_rise and m["train_fall_after_val_min"] > 0:
        return "overfit", None, (f"the validation loss rises by {m['val_rise']:.1%} of the starting loss after "
                                 f"epoch {m['val_min_epoch']} (min_rise = {min_rise:.0%}) while the training "
                                 "loss keeps falling")
    if m["train_end_rate"] > still_improving:
        return "underfit", "still improving", (
            f"the training loss still falls at {m['train_end_rate']:.2f} x its average rate at the end "
            f"(still_improving = {still_improving:g})")
    if m["final_gap"] > max_gap:
        return "unrepresentative training set", None, (
            f"both losses level off but the validation loss stays {m['final_gap']:.1%} of the starting loss "
            f"above the training loss (max_gap = {max_gap:.0%})")
    return "good fit", None, (f"both losses level off {m['final_gap']:+.1%} of the starting loss apart "
                              f"(max_gap = {max_gap:.0%}) and the validation loss does not turn up")


def diagnose_learning_curves(
    history: Any,
    *,
    min_fall: float = 0.1,
    max_noise: float = 0.03,
    max_below: float = 0.05,
    min_rise: float = 0.05,
    still_improving: float = 0.2,
    max_gap: float = 0.1,
    window: int = 5,
) -> Diagnosis:
    r"""Label a training run by the shape of its training and validation loss curves.

    The classic reading of learning curves (Brownlee, 2019; Goodfellow et
    al., 2016, sections 5.2, 7.8 and 11.3), made into explicit measurements
    and thresholds. Every loss-valued measurement is a fraction of the
    starting training loss :math:`L_0` = ``loss[0]`` (see :class:`Diagnosis`
    for the definitions), and the checks run in this order; the first that
    holds gives the label:

    1. ``"underfit"``, detail ``"flat"``: the training loss fell by at most
       ``min_fall`` :math:`L_0`. A model that cannot fit its training set
       says nothing about generalization, so this comes first (Goodfellow
       et al., 11.3: look at the training error before anything else).
    2. ``"unrepresentative validation set"``: the validation loss scatters
       by more than ``max_noise`` :math:`L_0` from epoch to epoch (detail
       ``"noisy"``), or ends more than ``max_below`` :math:`L_0` below the
       training loss (``"below training"``). Before the overfitting check,
       because a noisy curve can rise after a lucky minimum by chance.
    3. ``"overfit"``: the smoothed validation loss ends more than
       ``min_rise`` :math:`L_0` above its minimum while the training loss
       kept falling after that minimum (Goodfellow et al., figure 7.3).
    4. ``"underfit"``, detail ``"still improving"``: the training loss
       still falls at the end at more than ``still_improving`` times its
       average rate over the run: trained too briefly.
    5. ``"unrepresentative training set"``: the curves have levelled off
       but the validation loss ends more than ``max_gap`` :math:`L_0` above
       the training loss.
    6. ``"good fit"``: none of the above.

    Parameters
    ----------
    history : History
        A :class:`~lecturelib.history.History` with one entry per epoch
        (epoch 0 the untrained model, as
        :func:`lecturelib.torchkit.training.train` records it), or anything
        with ``history[name] -> array``. Uses ``"loss"`` and ``"val_loss"``
        (losses, not accuracies), finite, at least ``2 * window`` entries,
        ``loss[0] > 0``.
    min_fall : float, default 0.1
        Underfit (flat) when the training loss fell by at most this fraction
        of its start, in [0, 1).
    max_noise : float, default 0.03
        Unrepresentative validation set when ``val_noise`` exceeds this, ``>= 0``.
    max_below : float, default 0.05
        Unrepresentative validation set when the validation loss ends more
        than this below the training loss, ``>= 0``.
    min_rise : float, default 0.05
        Overfit when the smoothed validation loss ends more than this above
        its minimum, ``>= 0``.
    still_improving : float, default 0.2
        Underfit (still improving) when ``train_end_rate`` exceeds this,
        ``>= 0``. For an exponential decay with time constant
        :math:`\tau`, stopped after :math:`T` epochs, ``train_end_rate`` is
        about :math:`y e^{-y} / (1 - e^{-y})` with :math:`y = 7T / (8\tau)`
        (the middle of the last quarter): 0.2 flags runs shorter than about
        :math:`3\tau`.
    max_gap : float, default 0.1
        Unrepresentative training set when the final gap exceeds this, ``>= 0``.
    window : int, default 5
        Epochs averaged for the end values and by the moving average, ``>= 3``;
        the final slope is fitted over the last quarter of the epochs, but
        over at least ``window``.

    Returns
    -------
    Diagnosis
        ``label``, ``detail``, ``reason`` and the measurements; ``print`` it
        for a summary.

    Raises
    ------
    ValueError
        If ``history`` has no ``"val_loss"``, too few epochs, non-finite
        losses or ``loss[0] <= 0``, or a threshold is out of range.

    Notes
    -----
    The thresholds are judgement calls, not laws; the defaults are meant for
    curves from about 20 epochs on, and every threshold can be moved. The
    training loss that :func:`~lecturelib.torchkit.training.train` records
    for epochs ``>= 1`` is averaged over the epoch *in train mode*: with
    dropout (or heavy augmentation) it is higher than the same network's
    loss in eval mode, and a validation loss below it is expected rather
    than a sign of an unrepresentative validation set. A model that levels
    off at a high loss (logistic regression on MNIST-1D) has the shape of a
    good fit: the curves alone do not tell which loss is achievable. When
    another model shows that a much lower loss is, raise ``min_fall``. A
    run whose training loss rises (divergence) is none of the five cases.

    References
    ----------
    Brownlee, J. (2019). How to use learning curves to diagnose machine
    learning model performance. *Machine Learning Mastery*.

    Goodfellow, I., Bengio, Y. and Courville, A. (2016). *Deep Learning*.
    MIT Press. Sections 5.2 (capacity, overfitting and underfitting), 7.8
    (early stopping) and 11.3 (whether to gather more data).

    Examples
    --------
    >>> from lecturelib.history import History
    >>> h = History()
    >>> for t in range(30):
    ...     h.record(t, loss=0.1 + 2.2 * np.exp(-t / 4), val_loss=0.6 + 1.7 * np.exp(-t / 4) + 0.03 * t)
    >>> d = diagnose_learning_curves(h)
    >>> d.label, d.detail, d.val_min_epoch
    ('overfit', None, 11)
    >>> print(d)
    overfit: the validation loss rises by 15.9% of the starting loss after epoch 11 (min_rise = 5%) while the
    training loss keeps falling.
      training loss fell by 95.5% of its start; at the end it falls at 0.01 x its average rate
      validation loss: smallest at epoch 11, then rises by 15.9% (training loss falls 6.4% more); noise 0.1%
      final gap (validation - training): +56.9% of the starting loss
    """
    values = {"min_fall": check_number(min_fall, "min_fall", low=0.0, high=1.0, high_inclusive=False)}
    for name, value in (("max_noise", max_noise), ("max_below", max_below), ("min_rise", min_rise),
                        ("still_improving", still_improving), ("max_gap", max_gap)):
        values[name] = check_number(value, name, low=0.0)
    window = check_int(window, "window", low=3)
    loss, val = _history_curve(history, "loss"), _history_curve(history, "val_loss")
    check_same_shape(loss, "history['loss']", val, "history['val_loss']")
    if len(loss) < 2 * window:
        raise ValueError(f"history must hold at least 2 * window = {2 * window} epochs, got {len(loss)}")
    if loss[0] <= 0:
        raise ValueError(f"history['loss'][0] must be > 0 (the measurements are fractions of it), got {loss[0]}")
    steps = getattr(history, "steps", None)
    if steps is None or len(steps) != len(loss):
        steps = range(len(loss))
    measured = _curve_measurements(loss, val, steps, window)
    label, detail, reason = _decide(measured, **values)
    return Diagnosis(label=label, detail=detail, reason=reason, **measured)
