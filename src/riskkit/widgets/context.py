"""What every panel of a run shares, and where a panel may draw: the run's deployed model,
policy, reference and truth (:class:`RunContext`), the applicant a panel is about
(:func:`resolve_applicant`) and whether a live frontend is there (:func:`live_frontend`,
rules in :mod:`riskkit.widgets`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError
from riskkit.experiment import OOT_ID_OFFSET
from riskkit.explain import approved_reference
from riskkit.explain.in_run import run_world_or_none
from riskkit.reporting.notebooks import HEADLESS_ENV
from riskkit.synth.personas import PERSONA_IDS, PERSONAS, persona

__all__ = ["RunContext", "live_frontend", "resolve_applicant"]

def live_frontend(interactive: bool | None = None) -> bool:
    """Whether widgets can be drawn here (see the module docstring for the rules).

    Parameters
    ----------
    interactive : bool, optional
        The notebook's ``interactive`` parameter; None to decide from the environment.

    Returns
    -------
    bool
        True for a live Jupyter frontend, False for a headless run or plain Python.
    """
    if interactive is not None:
        return bool(interactive)
    if os.environ.get(HEADLESS_ENV, "").strip().lower() in ("1", "true", "yes"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class RunContext:
    """What every panel of one run shares: deployed model, policy, reference, truth, data.

    Loaded once, so a side-by-side view does not read the run twice.
    """

    def __init__(self, run: Any) -> None:
        self.run = run
        self.model = run.model(run.deployed_model_name)
        self.policy = run.policy()
        self.data = run.data("valid")
        # reason codes quote the median approved applicant of the validation split, as the run does
        self.reference = approved_reference(
            self.data, self.policy.decide(self.data, self.model.predict_pd(self.data)))
        # the run's world, whose truth the true PDs come from (None: data of one's own)
        self.world = run_world_or_none(run)
        self.truth = None if self.world is None else self.world.truth(0)
        self.registry = getattr(run, "registry", None)

    def truth_for(self, row: pd.DataFrame) -> Any:
        """The truth at the month of ``row``'s cohort: an out-of-time applicant (id offset
        by :data:`OOT_ID_OFFSET`) lives at the run's out-of-time month, whose economy may
        have moved; everyone else at month 0."""
        if self.world is None:
            return None
        key = row["applicant_id"].iloc[0] if "applicant_id" in row.columns else 0
        later = int(self.run.config["data"]["oot"].get("months_later", 12))
        return self.world.truth(later if key >= OOT_ID_OFFSET else 0)


def resolve_applicant(run: Any, applicant: Any) -> tuple[pd.DataFrame, str]:
    """(one-row frame, title) for a persona name (in the run's world), an applicant id of
    the run, or a row.

    Parameters
    ----------
    run : Run
        A loaded run.
    applicant : str, int or pandas.DataFrame
        A persona's name, an applicant id of the run, or a one-row frame.

    Returns
    -------
    tuple
        ``(one-row frame, title)``.
    """
    if isinstance(applicant, str) and applicant.strip().isdigit():
        applicant = int(applicant.strip())  # an id typed as text, e.g. from a text box
    if isinstance(applicant, str):
        if applicant not in PERSONAS:
            raise ConfigError(f"unknown applicant {applicant!r}: give a persona "
                              f"({', '.join(PERSONAS)}), an applicant id or a one-row DataFrame")
        world = run_world_or_none(run)
        if world is None:
            raise ConfigError(f"the persona {applicant!r} lives in a synthetic world; this run "
                              "was fitted on data of your own")
        return persona(applicant, world), applicant.replace("_", " ").title()
    if isinstance(applicant, pd.DataFrame):
        if len(applicant) != 1:
            raise ConfigError(f"applicant: expected a one-row DataFrame, got {len(applicant)} rows")
        names = {v: k for k, v in PERSONA_IDS.items()}
        key = applicant["applicant_id"].iloc[0] if "applicant_id" in applicant else None
        title = names[key].replace("_", " ").title() if key in names else f"Applicant {key}"
        return applicant.reset_index(drop=True), title
    if isinstance(applicant, int | np.integer) and not isinstance(applicant, bool):
        row, _ = run.applicant(int(applicant))
        return row, f"Applicant {int(applicant)}"
    raise ConfigError(f"applicant: expected a persona name, an id or a one-row DataFrame, "
                      f"got {type(applicant).__name__}")
