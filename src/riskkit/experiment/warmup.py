"""Compile the kernels a run uses once, when riskkit is installed, not in a user's first run.

riskkit's tree routing, forest prediction and TreeSHAP kernels are numba functions cached
on disk (``cache=True``): the first process that calls one compiles it and every later
process loads the machine code. A fresh install therefore paid for compilation inside its
first ``riskkit run`` (about 15 s of the explain stage and 4 s of the fit at 20k rows on
2 cores), which is the first impression ``make demo`` gives. ``make install`` calls
:func:`compile_kernels` (``riskkit compile``) instead: a small run of the baseline
experiment (its config, at :data:`ROWS` rows, without charts or tracking), in a temporary
folder, reaches every kernel a run of that config calls with the argument types it passes,
so each is compiled once and cached. Nothing of that run is kept.
"""

from __future__ import annotations

import copy
import os
import tempfile
import time
from typing import Any

from riskkit.experiment import config as C
from riskkit.experiment.runner import run_experiment

__all__ = ["ROWS", "compile_kernels", "warmup_config"]

#: Rows of the warm-up run: enough for every split, model and explanation to be reached.
ROWS = 4000


def warmup_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The experiment at ``path``, resolved, at :data:`ROWS` rows, without charts or tracking."""
    cfg = copy.deepcopy(C.load_config(path, rows=ROWS))
    cfg["name"] = f"compile-{cfg['name']}"
    cfg["figures"]["enabled"] = False
    cfg["tracking"]["enabled"] = False
    return cfg


def compile_kernels(path: str | os.PathLike[str], quiet: bool = True) -> float:
    """Run the experiment at ``path`` small (:func:`warmup_config`) in a temporary folder so
    every kernel its runs call is compiled and cached; return the seconds it took.

    Parameters
    ----------
    path : path
        The experiment config whose runs should start warm (``make install`` passes
        ``configs/baseline.yaml``).
    quiet : bool
        Silence the run's progress bar and info logs.

    Returns
    -------
    float
        Wall seconds (mostly compilation on a fresh install, a few seconds after).
    """
    start = time.perf_counter()
    cfg = warmup_config(path)
    with tempfile.TemporaryDirectory(prefix="riskkit-compile-") as tmp:
        run_experiment(cfg, tmp, quiet=quiet)
    return time.perf_counter() - start
