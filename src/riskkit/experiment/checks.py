"""Checks of a config that go beyond one value's type: written forms, model parameters,
and whether the run can measure what it reports.

:mod:`riskkit.experiment.config` checks each value against its expected type and range.
Three things need more than that, and live here so that every entry point that resolves a
config (``riskkit run``, each point of ``riskkit sweep``, ``riskkit fit --config``) gets them:

* **Written forms** (:func:`read_natural_values`): ``bad_rate: "5%"``, ``rows: "20,000"``
  or ``cutoff: {value: "0.75"}`` are what a person writes; they are read into the number
  they mean *before* the checks, so the resolved config (``config.yaml``) holds numbers and
  two spellings of one setting (``0.5`` and ``"0.5"``) are the same configuration.
  Percentages only where a share is expected (:data:`SHARE_KEYS`).
* **Model parameters** (:func:`check_model_params`): ``models.lgbm.params`` against
  LightGBM's own names, aliases and parser, the scorecard's binning settings against
  optbinning's (:mod:`riskkit.models.params`).
* **Measurability** (:func:`check_measurable`, synthetic runs): a split expected to hold
  fewer than :data:`MIN_EXPECTED_BADS` bads cannot give an AUC, a KS or a calibration, and
  with fewer than that a split of no bads at all is likely (``exp(-5)`` is 0.7 %): refused
  before any data is drawn, naming the keys that decide it, instead of failing minutes into
  the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.core.natural import SHARE_FORMS, read_number, read_share, read_whole
from riskkit.experiment.splits import run_world
from riskkit.models.params import check_binning_params, check_lgbm_params

__all__ = ["MIN_EXPECTED_BADS", "SHARE_KEYS", "check_measurable", "check_model_params",
           "check_tracking", "read_natural_values"]

#: Keys whose value is a share, so ``"5%"`` reads as 0.05 there.
SHARE_KEYS = frozenset({"data.bad_rate", "data.split.train", "data.split.valid", "data.split.test",
                        "data.truth.label_noise", "policy.cutoff.value",
                        "models.scorecard.min_bin_size", "reject_inference.acceptance_rate",
                        "policy.line.floor_share", "data.oot.drift"})
#: Fewest expected bads per split for its metrics to be measurable at all.
MIN_EXPECTED_BADS = 5.0
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def _read(key: str, value: Any, default: Any) -> Any:
    """``value`` read as the type of ``default`` when written as text; else unchanged."""
    if isinstance(default, bool):
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        return value
    if isinstance(default, int) and isinstance(value, str | float) and not isinstance(value, bool):
        whole = read_whole(value)
        return value if whole is None else whole
    if isinstance(default, float) and isinstance(value, str):
        number = read_share(value) if key in SHARE_KEYS else read_number(value)
        return value if number is None else float(number)
    return value


def read_natural_values(cfg: dict[str, Any], defaults: Mapping[str, Any],
                        free_form: set[tuple[str, ...]], path: tuple[str, ...] = ()) -> None:
    """Read text written for numbers and flags into them, in place (see the module doc).

    Parameters
    ----------
    cfg : dict
        The merged config (defaults + file), changed in place.
    defaults : mapping
        The schema: each key's default gives the type expected.
    free_form : set of tuple
        Paths whose content is checked by the component that reads it (left alone).
    path : tuple of str
        Where ``cfg`` sits (the recursion).
    """
    for key, default in defaults.items():
        where = (*path, key)
        if where in free_form or key not in cfg:
            continue
        value = cfg[key]
        if isinstance(default, Mapping):
            if isinstance(value, dict):
                read_natural_values(value, default, free_form, where)
            continue
        cfg[key] = _read(".".join(where), value, default)
    line = cfg.get("line") if path == ("policy",) else None
    if isinstance(line, dict):  # the credit-line rule is free-form but all numbers
        for key, value in line.items():
            read = read_share if f"policy.line.{key}" in SHARE_KEYS else read_number
            if isinstance(value, str) and read(value) is not None:
                line[key] = float(read(value))  # type: ignore[arg-type]


def share_hint(key: str) -> str:
    """What a share key accepts, for messages: ``(0.05 or 5%)``."""
    return f" ({SHARE_FORMS})" if key in SHARE_KEYS else ""


def check_model_params(cfg: dict[str, Any]) -> list[str]:
    """Model parameters checked against their libraries and written one way (in place).

    Parameters
    ----------
    cfg : dict
        The merged config; ``models.lgbm.params`` and the scorecard's binning settings are
        replaced by their checked, normalised form.

    Returns
    -------
    list of str
        One line per problem.
    """
    problems: list[str] = []
    models = cfg.get("models") or {}
    gbm = models.get("lgbm")
    if isinstance(gbm, dict) and isinstance(gbm.get("params"), Mapping):
        gbm["params"], found = check_lgbm_params(gbm["params"])
        problems += found
    card = models.get("scorecard")
    if isinstance(card, dict):
        if isinstance(card.get("binning_params"), Mapping):
            card["binning_params"], found = check_binning_params(card["binning_params"])
            problems += found
        per_feature = card.get("feature_binning_params")
        if per_feature is not None and not isinstance(per_feature, Mapping):
            problems.append(f"models.scorecard.feature_binning_params = {per_feature!r}: "
                            "expected a mapping of feature -> OptimalBinning settings")
        elif per_feature:
            checked = {}
            for feature, params in per_feature.items():
                checked[feature], found = check_binning_params(
                    params, f"models.scorecard.feature_binning_params.{feature}")
                problems += found
            card["feature_binning_params"] = checked
    return problems


def check_tracking(section: Any) -> list[str]:
    """The ``tracking:`` section's types (its store is asked before the run, not here)."""
    if not isinstance(section, Mapping):
        return [f"tracking = {section!r}: expected a mapping of enabled, uri, experiment"]
    problems = []
    if not isinstance(section.get("enabled", False), bool):
        problems.append(f"tracking.enabled = {section.get('enabled')!r}: expected true or false")
    for key in ("uri", "experiment"):
        value = section.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            problems.append(f"tracking.{key} = {value!r}: expected a non-empty text")
    return problems


def check_measurable(cfg: Mapping[str, Any]) -> list[str]:
    """Splits of a synthetic run expected to hold too few bads to measure anything.

    The bad rate is the run's World's (:func:`~riskkit.experiment.splits.run_world`), the
    one its truth is solved for at month 0, so the check speaks of the world the run will
    draw from. The out-of-time cohort is checked at that rate too: drift moves the economy
    toward the downturn, which raises its bad rate, so the check errs on the safe side
    unless ``data.oot.scenario`` is milder than ``data.scenario``.

    Parameters
    ----------
    cfg : mapping
        A resolved config (values already checked).

    Returns
    -------
    list of str
        One line per split, naming the keys that decide its expected bads.
    """
    data = cfg["data"]
    rows, rate = data["rows"], run_world(dict(cfg)).bad_rate
    problems = []
    for split, share in data["split"].items():
        expected = rows * share * rate
        if expected < MIN_EXPECTED_BADS:
            problems.append(
                f"data.rows {rows:,} x data.split.{split} {share:g} x data.bad_rate {rate:g} "
                f"= {expected:.1f} expected bads in the {split} split: at least "
                f"{MIN_EXPECTED_BADS:g} are needed to measure AUC, KS or calibration there; "
                "raise data.rows or data.bad_rate")
    oot = data["oot"]["rows"]
    if oot and oot * rate < MIN_EXPECTED_BADS:
        problems.append(f"data.oot.rows {oot:,} x data.bad_rate {rate:g} = {oot * rate:.1f} "
                        f"expected bads in the out-of-time cohort: at least "
                        f"{MIN_EXPECTED_BADS:g} are needed; raise data.oot.rows or set it to 0")
    return problems
