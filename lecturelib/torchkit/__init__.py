"""lecturelib.torchkit: everything in the book's library that imports torch.

The numpy core at the top level of :mod:`lecturelib` never imports torch
(``tests/test_lecturelib.py`` enforces it); the experiments that need torch's
autograd, modules and optimizers live here:

- :mod:`~lecturelib.torchkit.models`: the numpy MLP's torch twin
  (:func:`torch_mlp`, with any of :data:`MLP_ACTIVATIONS`, :class:`Maxout`
  among them, batch or layer normalization, dropout, and input noise
  (:class:`GaussianNoise`)), torch's initializers by
  the names of :data:`lecturelib.init.INITIALIZERS`, :func:`init_for` (the
  initializer suited to an activation), and the autograd graph as text;
- :mod:`~lecturelib.torchkit.training`: the one training loop (:func:`train`,
  with an optional ``callback(step, model)`` after every optimizer step, an
  ``epoch_callback`` that may stop it, e.g. :func:`early_stopping`, a data
  augmentation ``transform``, :class:`TrainingDiverged` on a nan loss, and
  a progress bar), :func:`evaluate` and :func:`predict_proba`;
- :mod:`~lecturelib.torchkit.hooks`: per-layer statistics recorded with hooks:
  :func:`layer_statistics` (forward and backward), :func:`hidden_activations`
  and :func:`activation_statistics` (mean, std, saturated and dead units,
  histograms of every hidden layer), and :class:`ActivationRecorder`, a
  callback of :func:`train` that records them during training as an
  :class:`ActivationTrace`;
- :mod:`~lecturelib.torchkit.experiments`: the chapters' experiments on
  torch's own modules (PyTorch's default initialization measured, the
  30-layer training run);
- :mod:`~lecturelib.torchkit.normalization`: batch norm's train and eval
  modes on torch's modules: evaluation in train mode (the bug),
  recalibrating running statistics, one example's dependence on its batch,
  and the numpy batch norm's parity with ``nn.BatchNorm1d``;
- :mod:`~lecturelib.torchkit.lr_finder`: the learning-rate range test,
  run inside :func:`train` through its ``batch_callback``;
- :mod:`~lecturelib.torchkit.autograd`: what autograd keeps for the backward
  pass, counted in bytes;
- :mod:`~lecturelib.torchkit.baselines`: the MNIST-1D baseline models, and
  the same networks in named blocks (:func:`mnist1d_cnn`, :func:`mnist1d_mlp`),
  the source networks of transfer learning;
- :mod:`~lecturelib.torchkit.transfer`: transfer learning by the names of a
  model's top-level children: :func:`freeze` (with batch norm held in eval
  mode or not) and :func:`unfreeze`, :func:`trainable_parameters` (a
  :class:`ParameterCounts` table), :func:`replace_head`,
  :func:`param_groups_with_lr` (discriminative learning rates),
  :func:`extract_features` and :func:`linear_probe`, and
  :func:`pretrained_source`, the book's source network trained on MNIST-1D's
  classes 0-4 and cached on disk;
- :mod:`~lecturelib.torchkit.checkpoint`: :func:`save_checkpoint` and
  :func:`load_checkpoint`, a state dict with JSON metadata, written
  atomically, with an error naming every mismatched key;
- :mod:`~lecturelib.torchkit.widgets`: explorables that drive a torch
  experiment, with the function that computes each one's data
  (:func:`~lecturelib.torchkit.widgets.activation_snapshots` behind
  :func:`~lecturelib.torchkit.widgets.activation_explorer`); imported on its
  own, since it needs ipywidgets.

Chapters write ``from lecturelib.torchkit import train``.
"""

from __future__ import annotations

from .baselines import mnist1d_cnn, mnist1d_mlp
from .checkpoint import load_checkpoint, save_checkpoint
from .hooks import (
    ActivationRecorder,
    ActivationStatistics,
    ActivationTrace,
    activation_bins,
    activation_statistics,
    hidden_activations,
    layer_statistics,
)
from .models import (
    MLP_ACTIVATIONS,
    NORMS,
    GaussianNoise,
    Maxout,
    autograd_graph,
    init_for,
    init_linear_layers_,
    mlp_to_torch,
    torch_mlp,
)
from .training import TrainingDiverged, early_stopping, evaluate, predict_proba, to_tensors, train
from .transfer import (
    LayerCount,
    ParameterCounts,
    PretrainedSource,
    extract_features,
    freeze,
    linear_probe,
    param_groups_with_lr,
    pretrained_source,
    replace_head,
    trainable_parameters,
    unfreeze,
)

__all__ = [
    "MLP_ACTIVATIONS", "NORMS", "ActivationRecorder", "ActivationStatistics", "ActivationTrace", "GaussianNoise",
    "Maxout", "TrainingDiverged", "activation_bins", "activation_statistics", "autograd_graph", "early_stopping",
    "evaluate", "predict_proba", "hidden_activations", "init_for", "init_linear_layers_", "layer_statistics", "mlp_to_torch",
    "to_tensors", "torch_mlp", "train",
    # transfer learning (Chapter 7)
    "LayerCount", "ParameterCounts", "PretrainedSource", "extract_features", "freeze", "linear_probe",
    "load_checkpoint", "mnist1d_cnn", "mnist1d_mlp", "param_groups_with_lr", "pretrained_source", "replace_head",
    "save_checkpoint", "trainable_parameters", "unfreeze",
]
