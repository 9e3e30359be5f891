"""A training history: what a training loop records, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validation import check_int, check_number

__all__ = ["History"]


@dataclass
class History:
    """Per-step (or per-epoch) metrics recorded by a training loop.

    Attributes
    ----------
    metrics : dict[str, list[float]]
        One list per metric name (``"loss"``, ``"accuracy"``, ``"val_loss"``,
        ...), all of the same length as ``steps``.
    steps : list[int]
        The step (or epoch) at which each entry was recorded.

    Examples
    --------
    >>> h = History()
    >>> h.record(0, loss=2.3, accuracy=0.1)
    >>> h.record(1, loss=1.9, accuracy=0.4)
    >>> h["loss"]
    array([2.3, 1.9])
    >>> h.last("accuracy")
    0.4
    """

    metrics: dict[str, list[float]] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)

    def record(self, step: int, **values: float) -> None:
        """Append one entry per metric, all at ``step``."""
        step = check_int(step, "step", low=0)
        if self.steps and step <= self.steps[-1]:
            raise ValueError(f"step must increase, got {step} after {self.steps[-1]}")
        if self.steps and set(values) != set(self.metrics):
            raise ValueError(
                f"values must name the same metrics as before {sorted(self.metrics)}, got {sorted(values)}"
            )
        converted = {}
        for name, value in values.items():  # convert everything before appending anything
            converted[name] = check_number(value, name, allow_nan=True)  # a diverged loss is worth recording
        self.steps.append(step)
        for name, value in converted.items():
            self.metrics.setdefault(name, []).append(value)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r}; recorded metrics are {sorted(self.metrics)}")
        return np.asarray(self.metrics[name])

    def __contains__(self, name: object) -> bool:
        return name in self.metrics

    def __len__(self) -> int:
        return len(self.steps)

    def last(self, name: str) -> float:
        """The most recent value of metric ``name``."""
        return float(self[name][-1])

    def first_step(self, name: str, *, at_least: float) -> int | None:
        """The first step at which metric ``name`` reached ``at_least``, or ``None`` if it never did.

        Examples
        --------
        >>> h = History()
        >>> for step, acc in enumerate([0.1, 0.4, 0.6, 0.5]):
        ...     h.record(step, accuracy=acc)
        >>> h.first_step("accuracy", at_least=0.5), h.first_step("accuracy", at_least=0.9)
        (2, None)
        """
        at_least = check_number(at_least, "at_least")
        reached = np.flatnonzero(self[name] >= at_least)
        return int(self.steps[reached[0]]) if reached.size else None

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.metrics))
        return f"History({len(self)} entries: {names})"
