"""The run's applicants by split: regenerated exactly from the resolved config."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.synth import World
from riskkit.synth.worlds import world_spec

SPLITS = ("train", "valid", "test", "oot")
OOT_ID_OFFSET = 1_000_000_000
#: A synthetic run's World (:meth:`riskkit.synth.World.to_dict`), in its folder.
WORLD_FILE = "world.json"


def oot_drift(oot: dict[str, Any]) -> float:
    """The out-of-time section's drift as a number: ``none``, null or a missing key (a
    config written by riskkit 0.2.0, whose cohort had no drift) mean 0."""
    drift = oot.get("drift")
    return 0.0 if drift is None or drift == "none" else float(drift)


def run_world(cfg: dict[str, Any]) -> World:
    """The World a run's data are drawn from, built from its resolved config.

    Shape and dials from ``data.world`` / ``data.truth``, the bad rate, the scenario at
    month 0 and, when the out-of-time cohort is drawn under another scenario, that scenario
    from ``data.oot.months_later`` on; ``data.oot.drift`` is the economy's drift a year. A
    config written before worlds (no ``world``) is the baseline world.

    Parameters
    ----------
    cfg : dict
        A resolved run config (or a run folder's ``config.yaml``).

    Returns
    -------
    World
    """
    data = cfg["data"]
    oot = data.get("oot", {})
    later = int(oot.get("months_later", 12))
    changes = ((later, oot["scenario"]),) if oot.get("scenario", data["scenario"]) \
        != data["scenario"] else ()
    dials = {k: v for k, v in (data.get("truth") or {}).items() if v is not None}
    spec = world_spec(data.get("world", "baseline"), dials)
    return World(spec.name, float(data["bad_rate"]), **spec.dials(), scenario=data["scenario"],
                 changes=changes, drift=oot_drift(oot))


def oot_month(cfg: dict[str, Any]) -> int:
    """The calendar month of a run's out-of-time cohort (``data.oot.months_later``)."""
    return int(cfg["data"].get("oot", {}).get("months_later", 12))


def population_splits(cfg: dict[str, Any], world: World | None = None) -> dict[str, pd.DataFrame]:
    """The run's applicants by split, regenerated exactly from the resolved config.

    train / valid / test are a seeded random partition of one cohort drawn at month 0 of
    the run's world; ``oot`` is a later cohort, drawn ``data.oot.months_later`` months on
    (the economy then: another scenario, drift) from its own seed, with applicant ids offset
    by one billion so they never collide with the first cohort's.

    Parameters
    ----------
    cfg : dict
        The resolved config.
    world : World or None
        The run's world (None: :func:`run_world` of ``cfg``).

    Returns
    -------
    dict of str to pandas.DataFrame
    """
    data = cfg["data"]
    world = run_world(cfg) if world is None else world
    pop = world.generate(data["rows"], cfg["seed"])
    rng = np.random.default_rng(np.random.SeedSequence(cfg["seed"], spawn_key=(7,)))
    order = rng.permutation(len(pop))
    shares = data["split"]
    n_train = round(shares["train"] * len(pop))
    n_valid = round(shares["valid"] * len(pop))
    parts = {"train": order[:n_train], "valid": order[n_train:n_train + n_valid],
             "test": order[n_train + n_valid:]}
    out = {name: pop.iloc[np.sort(idx)].reset_index(drop=True) for name, idx in parts.items()}
    oot = data["oot"]
    if oot["rows"] > 0:
        later = world.generate(oot["rows"], cfg["seed"] + oot["seed_offset"], oot_month(cfg))
        later["applicant_id"] = later["applicant_id"] + OOT_ID_OFFSET
        out["oot"] = later
    return out
