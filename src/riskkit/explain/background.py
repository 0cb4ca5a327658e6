"""The population an explanation is measured against (its *background*).

A contribution says how far a feature moves an applicant's log-odds *away from somebody*.
Path-dependent TreeSHAP (riskkit's default without a background) answers "away from the
training data as the trees saw it"; exact interventional TreeSHAP against a chosen background
(:func:`riskkit.explain.contrib.contributions` with ``background=``) answers "away from these
people". Two backgrounds matter here:

``approved``
    The approved applicants of the run's *training* split under the run's policy: "why you,
    compared with those we approve" -- the comparison a denial letter makes, and the default
    for a run's reason codes. Only training rows are used, so nothing from the validation or
    test data enters the explanations of those splits.
``reference``
    A sample of the truth's reference population (:func:`riskkit.synth.truth.reference_features`),
    the population the true contributions are defined against: the model's contributions are
    then comparable with the truth feature by feature (the interventional fidelity).
``none``
    No background: path-dependent TreeSHAP, as riskkit explained before backgrounds existed.

The background is a seeded sample of at most ``rows`` rows: the cost of explaining grows
linearly with it and a thousand rows pin the comparison down well (the sampling error of the
background's mean log-odds is far below the size of any reason). Only tree models have a
background mode (:func:`riskkit.explain.contrib.has_background_mode`); the scorecard keeps its
own reference (best bin or mean) and the oracle its truth.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.explain.reasons import _decision_array
from riskkit.policy import APPROVED
from riskkit.synth.truth import reference_features

log = logging.getLogger(__name__)

#: The values of a run's ``explain.background``.
BACKGROUND_MODES: tuple[str, ...] = ("approved", "reference", "none")
#: Rows a background keeps by default (``explain.background_rows``).
DEFAULT_BACKGROUND_ROWS = 1000
#: Where a run keeps the background its reasons were measured against.
BACKGROUND_FILE = "explain_background.parquet"


def sample_rows(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """At most ``rows`` rows of ``frame``, drawn without replacement with ``seed``, in frame order.

    Parameters
    ----------
    frame:
        The population to sample.
    rows:
        Largest sample; a smaller frame is kept whole.
    seed:
        Seed of the draw (the run's seed: same run, same background).

    Returns
    -------
    pandas.DataFrame
        The sample with a fresh index.
    """
    if not isinstance(rows, int | np.integer) or isinstance(rows, bool) or rows < 1:
        raise ConfigError(f"background rows must be a whole number >= 1, got {rows!r}")
    if len(frame) > rows:
        take = np.sort(np.random.default_rng(seed).choice(len(frame), int(rows), replace=False))
        frame = frame.iloc[take]
    return frame.reset_index(drop=True)


def _columns(frame: pd.DataFrame, features: Sequence[str] | None, what: str) -> pd.DataFrame:
    if features is None:
        return frame
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise DataError(what, [f"no column {missing[:5]} for the background"])
    keep = ([F.ID_COLUMN] if F.ID_COLUMN in frame.columns else []) + \
        [f for f in features if f != F.ID_COLUMN]
    return frame[keep]


def approved_background(frame: pd.DataFrame, decisions: pd.DataFrame | pd.Series, *,
                        rows: int = DEFAULT_BACKGROUND_ROWS, seed: int = 0,
                        features: Sequence[str] | None = None) -> pd.DataFrame:
    """A seeded sample of the approved applicants of ``frame``: "those we approve".

    Parameters
    ----------
    frame:
        Applicants, normally the run's training split (never the validation or test split
        being explained: the background is part of the explanation).
    decisions:
        Their decisions, row-aligned by position (a ``decision`` column or Series).
    rows:
        Largest sample.
    seed:
        Seed of the sample.
    features:
        Columns to keep (plus ``applicant_id`` where present); None keeps all.

    Returns
    -------
    pandas.DataFrame
        The sampled approved applicants.
    """
    approved = _decision_array(frame, decisions) == APPROVED
    if not approved.any():
        raise DataError("decisions", ["no approved applicant to explain against"])
    chosen = _columns(frame.iloc[np.flatnonzero(approved)], features, "applicants")
    return sample_rows(chosen, rows, seed)


def reference_background(*, rows: int = DEFAULT_BACKGROUND_ROWS, seed: int = 0,
                         features: Sequence[str] | None = None) -> pd.DataFrame:
    """A seeded sample of the truth's reference population (synthetic worlds only).

    The true contributions of every generated applicant are interventional Shapley values
    against this population, so a model explained against a sample of it is compared with
    the truth on the same footing.

    Parameters
    ----------
    rows:
        Largest sample.
    seed:
        Seed of the sample.
    features:
        Columns to keep; None keeps all.

    Returns
    -------
    pandas.DataFrame
        The sampled reference rows.
    """
    return sample_rows(_columns(reference_features(), features, "reference sample"), rows, seed)


def draw_background(mode: str, train: pd.DataFrame, train_decisions: pd.DataFrame | pd.Series,
                    *, rows: int = DEFAULT_BACKGROUND_ROWS, seed: int = 0,
                    features: Sequence[str] | None = None,
                    has_truth: bool = True) -> pd.DataFrame | None:
    """The background a run's ``explain.background`` asks for, or None for ``"none"``.

    Parameters
    ----------
    mode:
        ``"approved"``, ``"reference"`` or ``"none"`` (see the module docstring).
    train:
        The run's training split.
    train_decisions:
        The run's decisions for it (the approved ones are the ``"approved"`` background).
    rows:
        Largest sample.
    seed:
        The run's seed.
    features:
        Columns to keep (the tree models' features).
    has_truth:
        Whether the data was generated by riskkit; ``"reference"`` needs it, because the
        reference population is the synthetic world's.

    Returns
    -------
    pandas.DataFrame or None
    """
    if mode not in BACKGROUND_MODES:
        raise ConfigError(f"explain.background = {mode!r}: expected one of "
                          f"{', '.join(BACKGROUND_MODES)}")
    if mode == "none":
        log.info("explain background: none (path-dependent TreeSHAP)")
        return None
    if mode == "reference":
        if not has_truth:
            raise ConfigError("explain.background = 'reference' needs generated data (the "
                              "truth's reference population); this run's data has no truth: "
                              "use approved or none")
        out = reference_background(rows=rows, seed=seed, features=features)
        log.info("explain background: %d rows of the truth's reference sample (seed %d)",
                 len(out), seed)
        return out
    out = approved_background(train, train_decisions, rows=rows, seed=seed, features=features)
    log.info("explain background: %d approved applicants of the training split (seed %d)",
             len(out), seed)
    return out
