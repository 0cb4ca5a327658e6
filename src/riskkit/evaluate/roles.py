"""The validation split's jobs: early stopping, calibration and the cut-off, each on rows
of its own (issue 24: one split doing four jobs tunes each step to the same noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError

#: The jobs the validation split is shared out to, in order.
VALIDATION_ROLES = ("stop", "calibrate", "cutoff")


def validation_roles(valid: pd.DataFrame, seed: int,
                     mode: str = "separate") -> dict[str, pd.DataFrame]:
    """The validation split shared out to its three jobs, so none is judged on its own rows.

    ``stop`` decides when a model stops learning (early stopping), ``calibrate`` fits the
    Platt map, ``cutoff`` chooses the policy's cut-off. When one set of rows does all three,
    each step is tuned to the noise of the same rows: the calibration's quality is measured
    where it was fitted and a bad-rate cut-off is the most generous point of an in-sample
    curve, so on new data the approved book is riskier than its target. Each part is a
    seeded, outcome-stratified third of ``valid`` (every part gets its share of the rare
    bads). ``mode="shared"`` (a run's ``data.valid_roles: shared``) gives the whole split to
    every job, as riskkit 0.2.0 did (configs written then have no such key and keep their
    decisions).

    Parameters
    ----------
    valid : pandas.DataFrame
        The run's validation split.
    seed : int
        The run's seed.
    mode : {"separate", "shared"}
        The run's ``data.valid_roles``.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``stop``, ``calibrate`` and ``cutoff`` frames (the same frame three times when shared).
    """
    if mode == "shared":
        return dict.fromkeys(VALIDATION_ROLES, valid)
    if mode != "separate":
        raise ConfigError(f"validation roles must be 'separate' or 'shared', got {mode!r}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(11,)))
    role = np.empty(len(valid), dtype=np.int64)
    y = valid[F.TARGET].to_numpy() if F.TARGET in valid.columns else np.zeros(len(valid))
    for outcome in np.unique(y):  # stratified: each third gets a third of the bads
        rows = rng.permutation(np.flatnonzero(y == outcome))
        role[rows] = np.arange(len(rows)) % len(VALIDATION_ROLES)
    return {name: valid.iloc[np.flatnonzero(role == k)].reset_index(drop=True)
            for k, name in enumerate(VALIDATION_ROLES)}


def run_roles(valid: pd.DataFrame, config: dict) -> dict[str, pd.DataFrame]:
    """:func:`validation_roles` as a run's config asks: its ``seed`` and ``data.valid_roles``
    (a config written by riskkit 0.2.0 has none: shared)."""
    return validation_roles(valid, int(config["seed"]),
                            str(config["data"].get("valid_roles", "shared")))
