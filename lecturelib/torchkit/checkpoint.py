"""Checkpoints: a model's state dict with JSON metadata, written atomically, loaded with clear errors.

A checkpoint is what transfer learning hands from the source task to the
target task: the trained parameters and buffers (``model.state_dict()``)
and a few facts about how they were made (the settings, the accuracy).
:func:`save_checkpoint` writes them to one file with :func:`torch.save`;
:func:`load_checkpoint` reads them back into a model of the same
architecture and returns the metadata.  Loading into a model whose
architecture differs raises a ``ValueError`` that names every key that is
missing, unexpected or of another shape, instead of torch's first
mismatch.

The file holds only tensors, strings and numbers, so it is read with
``torch.load(weights_only=True)``, which runs no pickled code.  It is written
to a temporary file in the same directory and then renamed over ``path``, as
:func:`lecturelib.data.load_mnist1d` writes its disk cache, so that a reader
never sees a half-written checkpoint.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_FORMAT"]

#: The ``"format"`` entry of every checkpoint file this module writes.
CHECKPOINT_FORMAT = "lecturelib-checkpoint-1"


def _check_model(model: Any) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__} {path!r}")
    return Path(path)


def save_checkpoint(model: nn.Module, path: str | os.PathLike, **metadata: Any) -> Path:
    """Write ``model.state_dict()`` and ``metadata`` to ``path`` atomically.

    Parameters
    ----------
    model : torch.nn.Module
        Its parameters and buffers (e.g. batch norm's running statistics)
        are saved, on the CPU, with their dtypes.
    path : str or path-like
        The file; its directory is created if needed, and an existing file
        is replaced only once the new one is complete.
    **metadata
        JSON-serializable values (numbers, strings, booleans, ``None``, lists
        and dicts of them), e.g. ``epochs=20, test_accuracy=0.97``; stored as
        JSON text, so :func:`load_checkpoint` returns tuples as lists.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        If a metadata value is not JSON-serializable (its name is given).
    OSError
        If the file cannot be written; no partial file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> net = nn.Linear(3, 2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_checkpoint(net, Path(tmp) / "net.pt", epochs=5)
    ...     load_checkpoint(nn.Linear(3, 2), path)
    {'epochs': 5}
    """
    model = _check_model(model)
    path = _check_path(path)
    for name, value in metadata.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise TypeError(f"metadata {name} must be JSON-serializable (numbers, strings, lists, dicts), "
                            f"got {type(value).__name__} {value!r:.60}: {error}") from None
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    payload = {"format": CHECKPOINT_FORMAT, "state_dict": state,
               "metadata": json.dumps(metadata, sort_keys=True, allow_nan=False)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
                                     delete=False) as tmp:
        try:
            torch.save(payload, tmp)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    try:
        os.replace(tmp.name, path)  # readers see the old file or the whole new one, never half of one
    except OSError:
        os.unlink(tmp.name)
        raise
    return path


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The state dict and metadata stored at ``path``; ``ValueError`` if it is not a checkpoint."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (PermissionError, FileNotFoundError, IsADirectoryError):
        raise
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as error:
        # a truncated or foreign file: torch's reader raises any of these
        raise ValueError(f"path must be a checkpoint written by save_checkpoint, got {str(path)!r}, "
                         f"which torch cannot read ({type(error).__name__})") from error
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"path must be a checkpoint written by save_checkpoint, got {str(path)!r}, "
                         f"whose contents are not in the format {CHECKPOINT_FORMAT!r}")
    state, metadata = payload.get("state_dict"), payload.get("metadata")
    if not isinstance(state, dict) or not all(isinstance(t, torch.Tensor) for t in state.values()) \
            or not isinstance(metadata, str):
        raise ValueError(f"path must be a checkpoint written by save_checkpoint, got {str(path)!r}, "
                         "whose state dict or metadata is malformed")
    return state, json.loads(metadata)


def _mismatch(model: nn.Module, state: dict[str, torch.Tensor]) -> list[str]:
    """One line per difference between ``model``'s state dict and ``state``: keys, then shapes."""
    own = model.state_dict()
    missing = [key for key in own if key not in state]
    unexpected = [key for key in state if key not in own]
    shapes = [f"{key} {tuple(state[key].shape)} in the checkpoint, {tuple(own[key].shape)} in the model"
              for key in own if key in state and state[key].shape != own[key].shape]
    lines = []
    if missing:
        lines.append("missing keys (in the model, not in the checkpoint): " + ", ".join(missing))
    if unexpected:
        lines.append("unexpected keys (in the checkpoint, not in the model): " + ", ".join(unexpected))
    if shapes:
        lines.append("shapes differ: " + "; ".join(shapes))
    return lines


def load_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict[str, Any]:
    """Load the state dict saved at ``path`` into ``model`` and return its metadata.

    Parameters
    ----------
    model : torch.nn.Module
        Of the architecture the checkpoint was saved from: the same state
        dict keys with the same shapes.  Loaded in place, every parameter
        and buffer copied exactly (cast to the model's dtype and device if
        they differ).
    path : str or path-like
        A file written by :func:`save_checkpoint`.

    Returns
    -------
    dict
        The metadata given to :func:`save_checkpoint`, as JSON returns it.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a checkpoint, or if ``model``'s architecture does
        not match it.  The message lists the missing keys (in the model but
        not in the checkpoint), the unexpected keys (in the checkpoint but
        not in the model) and the keys whose shapes differ, with both
        shapes; ``model`` is then left unchanged.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_checkpoint(nn.Linear(3, 2), Path(tmp) / "net.pt")
    ...     load_checkpoint(nn.Linear(4, 2), path)
    Traceback (most recent call last):
    ...
    ValueError: model does not match the checkpoint ...: shapes differ: weight (2, 3) in the checkpoint, (2, 4) ...
    """
    model = _check_model(model)
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path must be an existing checkpoint file, got {str(path)!r}")
    state, metadata = _read(path)
    problems = _mismatch(model, state)
    if problems:
        raise ValueError(f"model does not match the checkpoint {str(path)!r} "
                         f"({type(model).__name__}): " + "\n".join(problems))
    model.load_state_dict(state)
    return metadata
