"""riskkit: credit-risk research on synthetic borrowers whose truth is known.

    import riskkit
    pop = riskkit.generate(rows=100_000, seed=7, scenario="baseline")
    run = riskkit.load_run("runs/baseline-20261130-101500")
    m = run.model("lgbm"); m.predict_pd(run.data("test")); m.contributions(run.data("test"))

``load_run`` and ``compare`` are loaded on first use (PEP 562): the run-folder machinery
(experiment, reporting, tracking) is most of the package, and ``riskkit simulate`` or
``import riskkit.synth`` should not pay for it (importing the CLI and the lifecycle:
2.78 s -> 2.14 s here).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.3.0"

# the version must exist before submodules import it
from riskkit.synth import generate

#: Public names loaded on first use, and the module each comes from.
_LAZY = {"compare": "riskkit.experiment.runfolder", "load_run": "riskkit.experiment.runfolder"}

__all__ = ["__version__", "compare", "generate", "load_run"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
