"""Root pytest setup, loaded before any test or notebook is collected.

``LECTURELIB_PROGRESS=0`` switches off the progress bar that
:func:`lecturelib.torchkit.train` draws automatically in a terminal or a
Jupyter kernel: the kernels nbval starts inherit this process's environment,
so the notebooks' outputs match the committed ones, which
``tools/execute_notebooks.py`` records with the same setting.  ``setdefault``
leaves a value set by hand alone (``LECTURELIB_PROGRESS=1 pytest ...``).
"""

from __future__ import annotations

import os

os.environ.setdefault("LECTURELIB_PROGRESS", "0")
