"""Experiment configs: defaults, YAML loading and strict validation.

A config is a plain nested dict. Every key a user writes is checked against the defaults
below, so a misspelt key (``lgmb``, ``sead``) is an error naming it and the closest known
key, instead of being silently ignored. The resolved config (defaults + file + command-line
overrides) is what a run writes to ``config.yaml``: a run can always be reproduced from it.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from riskkit.core.errors import ConfigError
from riskkit.experiment.checks import (
    check_model_params,
    check_tracking,
    read_natural_values,
    share_hint,
)
from riskkit.explain.background import BACKGROUND_MODES, DEFAULT_BACKGROUND_ROWS
from riskkit.explain.groups import UNITS
from riskkit.models.ebm import EBM_INTERACTIONS, EBM_RESERVED
from riskkit.models.gbm import INTERACTIONS as LGBM_INTERACTIONS
from riskkit.policy.rules import MISSING_INCOME, MISSING_OUTCOMES
from riskkit.rejectinf import DEFAULTS as REJECT_INFERENCE_DEFAULTS
from riskkit.rejectinf import check_section as check_reject_inference
from riskkit.synth.scenarios import SCENARIOS
from riskkit.synth.world import MAX_DRIFT
from riskkit.synth.worlds import DIALS, world_spec
from riskkit.validate import DEFAULTS as VALIDATE_DEFAULTS
from riskkit.validate import check_section as check_validate

#: The economy's drift between the development sample and the out-of-time cohort, as a
#: share of a downturn per year: small, so PSI, CSI and the out-of-time AUC measure a real
#: (modest) change rather than sampling noise.
DEFAULT_OOT_DRIFT = 0.25
#: Latest out-of-time cohort: ten years on, the horizon ``riskkit simulate`` keeps too. Far
#: beyond it the drifted economy leaves every number range (an income multiplier of
#: 0.92 ** (drift * months / 12) underflows; 10**6 months is an OverflowError in the draw).
MAX_OOT_MONTHS = 120

#: Sections whose content is free-form (checked by the component that reads it).
FREE_FORM = {("features",), ("models", "lgbm", "params"), ("models", "ebm", "params"),
             ("models", "scorecard", "binning_params"),
             ("models", "scorecard", "feature_binning_params"), ("policy", "knockouts"),
             ("models", "scorecard", "special_codes"), ("reject_inference", "params")}

DEFAULTS: dict[str, Any] = {
    "name": "baseline",
    "seed": 7,
    "data": {
        "rows": 200_000,
        "scenario": "baseline",
        "bad_rate": 0.04,
        # the shape of the true log-odds (riskkit.synth.worlds) and its dials
        "world": "baseline",
        "truth": {k: d[0] for k, d in DIALS.items()},
        "split": {"train": 0.6, "valid": 0.2, "test": 0.2},
        # separate: the validation split is shared out in thirds to early stopping, the
        # calibration and the cut-off (evaluate.roles.validation_roles); shared: all
        # three on the same rows, as riskkit 0.2.0 did
        "valid_roles": "separate",
        # a later cohort, drawn from its own seed `months_later` months on in the world's
        # calendar (optionally under another scenario); `drift`: the share of a downturn the
        # economy and the population move per year (0 or none: a second draw of the same
        # population, which measures sampling noise only)
        "oot": {"rows": 50_000, "scenario": "baseline", "seed_offset": 1000,
                "months_later": 12, "drift": DEFAULT_OOT_DRIFT},
    },
    "models": {
        "oracle": {"enabled": True},
        "scorecard": {"enabled": True, "calibrate": True, "max_n_bins": 6, "min_bin_size": 0.05,
                      "base_score": 600, "base_odds": 50, "pdo": 20, "binning_params": None,
                      "feature_binning_params": None, "special_codes": None},
        # one thread: runs are deterministic either way, and on a small shared machine
        # (2 cores, tests in parallel) more threads than cores slow LightGBM down tenfold
        # monotone: False fits without the registry's monotone constraints
        # interactions: free | additive | groups (LightGBM's interaction_constraints: none,
        # one feature per tree path, or one driver group per path)
        "lgbm": {"enabled": True, "calibrate": True, "monotone": True, "params": None,
                 "num_threads": 1, "interactions": "free",
                 "base_score": 600, "base_odds": 50, "pdo": 20},
        # an Explainable Boosting Machine (interpret): additive tables, exact reasons;
        # interactions: additive | groups (pairs within a driver group) | a number of pairs
        "ebm": {"enabled": False, "calibrate": True, "interactions": "additive",
                "monotone": False, "outer_bags": 8, "n_jobs": 1, "params": None,
                "base_score": 600, "base_odds": 50, "pdo": 20},
    },
    "policy": {
        "model": "lgbm",
        # confidence: a bad-rate cut-off keeps the approved book's Clopper-Pearson upper
        # bound at the target (null: its observed rate, the most generous in-sample point)
        "cutoff": {"method": "approval_rate", "value": 0.75, "confidence": 0.95},
        "knockouts": None,
        "line": None,
        # a knock-out rule's outcome on a missing value (decline, refer, pass; a rule's own
        # missing: overrides it), and an approval with a missing income (refer, minimum)
        "missing": {"knockouts": "decline", "income": "refer"},
    },
    # background: what a tree model's reasons are measured against (riskkit.explain.background):
    # approved = the approved applicants of train ("why you, compared with those we approve"),
    # reference = the truth's reference sample, none = path-dependent TreeSHAP
    # unit: feature | group (a letter's reasons by driver group: "borrowing frequency");
    # stability: retrain_seeds refits the deployed model once per seed (opt-in: it costs a
    # fit each) and compares its reasons; background_redraw draws the background again
    "explain": {"max_reasons": 4, "splits": ["test", "oot"],
                "background": "approved", "background_rows": DEFAULT_BACKGROUND_ROWS,
                "unit": "feature",
                "stability": {"retrain_seeds": [], "background_redraw": True}},
    # segment column for performance by segment (skipped when the data has no such column)
    "evaluate": {"segment": "occupation"},
    # model features; None means the registry's built-in model features
    "features": None,
    # enabled: false skips the run's charts (sweeps of many small runs, tests)
    "figures": {"enabled": True, "lang": "en", "variant": "report", "formats": ["png", "svg", "pdf"]},
    # MLflow tracking (experiment.tracking); `riskkit run --track` / `--tracking-uri` too
    "tracking": {"enabled": False, "uri": None, "experiment": None},
    # learning from the approved only: incumbent lender, methods, graded by the truth
    "reject_inference": copy.deepcopy(REJECT_INFERENCE_DEFAULTS),
    # ---- validation battery (riskkit.validate): master scale, traffic-light thresholds,
    # the power study's defects and sizes; `riskkit validate`, `riskkit validate-power`
    "validate": copy.deepcopy(VALIDATE_DEFAULTS),
}


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _merge(base: dict[str, Any], override: Mapping[str, Any], path: tuple[str, ...],
           errors: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = ".".join((*path, str(key)))
        if key not in base:
            errors.append(f"unknown key {where!r}{_suggest(str(key), list(base))}; "
                          f"expected one of: {', '.join(base)}")
            continue
        if (*path, key) in FREE_FORM or (path == ("policy",) and key in ("line",)):
            out[key] = value
        elif isinstance(base[key], dict):
            if value is None:
                continue
            if not isinstance(value, Mapping):
                errors.append(f"{where!r} must be a mapping, got {value!r}")
                continue
            out[key] = _merge(base[key], value, (*path, str(key)), errors)
        else:
            out[key] = value
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


class _Checks:
    """Collects ``key = value: expected ...`` problems, one per offending key."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def expect(self, key: str, value: Any, ok: bool, expected: str) -> bool:
        if not ok:
            self.errors.append(f"{key} = {value!r}: expected {expected}")
        return ok

    def whole(self, key: str, value: Any, minimum: int) -> None:
        self.expect(key, value, _is_int(value) and value >= minimum,
                    f"a whole number >= {minimum:,}")

    def between(self, key: str, value: Any, low: float, high: float, what: str,
                strict: bool = False) -> None:
        ok = _is_number(value) and (low < value < high if strict else low <= value <= high)
        self.expect(key, value, ok, f"{what} {'strictly ' if strict else ''}between {low:g} "
                                    f"and {high:g}{share_hint(key)}")

    def positive(self, key: str, value: Any, what: str = "a number > 0") -> None:
        self.expect(key, value, _is_number(value) and value > 0, what)

    def flag(self, key: str, value: Any) -> None:
        self.expect(key, value, isinstance(value, bool), "true or false")


#: What a cut-off's value is, by method: the message says which kind of number is wanted.
CUTOFF_VALUE = {"fixed": "a PD", "approval_rate": "an approval rate", "bad_rate": "a bad rate"}
KNOCKOUT_OPS = (">", ">=", "<", "<=", "==", "!=")


def _check_values(cfg: dict[str, Any], errors: list[str]) -> None:
    """Every value's type and range, so that a bad one stops the run before any work."""
    check = _Checks(errors)
    data = cfg["data"]
    check.whole("seed", cfg["seed"], 0)
    check.whole("data.rows", data["rows"], 1000)
    check.whole("data.oot.rows", data["oot"]["rows"], 0)
    check.whole("data.oot.seed_offset", data["oot"]["seed_offset"], 0)
    later = data["oot"]["months_later"]
    check.expect("data.oot.months_later", later, _is_int(later) and 1 <= later <= MAX_OOT_MONTHS,
                 f"a whole number of months from 1 to {MAX_OOT_MONTHS}")
    check.expect("data.valid_roles", data["valid_roles"],
                 data["valid_roles"] in ("separate", "shared"), "separate or shared")
    drift = data["oot"]["drift"]
    if check.expect("data.oot.drift", drift, drift is None or drift == "none"
                    or (_is_number(drift) and 0 <= drift <= MAX_DRIFT),
                    f"a share of a downturn per year between 0 and {MAX_DRIFT:g} "
                    f"(0.25 or 25%), or none"):
        # none, null and 0 are one setting (no drift): one spelling in config.yaml, so a
        # sweep over them runs once
        data["oot"]["drift"] = 0.0 if drift is None or drift == "none" else float(drift)
    split = data["split"]
    shares = [split.get(k) for k in ("train", "valid", "test")]
    check.expect("data.split", split, all(_is_number(v) and v > 0 for v in shares)
                 and abs(sum(shares) - 1) <= 1e-9,
                 "positive train, valid and test shares adding up to 1")

    for key, scen in (("data.scenario", data["scenario"]),
                      ("data.oot.scenario", data["oot"]["scenario"])):
        check.expect(key, scen, isinstance(scen, str) and scen in SCENARIOS,
                     f"one of {', '.join(SCENARIOS)}")
    try:
        world_spec(data["world"], data["truth"])
    except ConfigError as exc:
        errors.append(f"'data.world': {exc}" if "data.truth" not in str(exc) else str(exc))
    check.between("data.bad_rate", data["bad_rate"], 0.001, 0.5, "a bad rate")
    _check_models(cfg["models"], check)
    check.flag("models.lgbm.monotone", cfg["models"]["lgbm"]["monotone"])
    enabled = [m for m, spec in cfg["models"].items() if spec.get("enabled", True)]
    check.expect("policy.model", cfg["policy"]["model"], cfg["policy"]["model"] in enabled,
                 f"an enabled model ({', '.join(enabled)})"
                 + (f"; models.{cfg['policy']['model']}.enabled is false"
                    if isinstance(cfg["policy"]["model"], str) and cfg["policy"]["model"] in cfg["models"]
                    else ""))
    _check_policy(cfg["policy"], check)
    explain = cfg["explain"]
    check.whole("explain.max_reasons", explain["max_reasons"], 1)
    check.expect("explain.background", explain["background"],
                 explain["background"] in BACKGROUND_MODES, f"one of {', '.join(BACKGROUND_MODES)}")
    check.whole("explain.background_rows", explain["background_rows"], 1)
    check.expect("explain.unit", explain["unit"], explain["unit"] in UNITS,
                 f"one of {', '.join(UNITS)}")
    seeds = explain["stability"]["retrain_seeds"]
    check.expect("explain.stability.retrain_seeds", seeds, isinstance(seeds, list)
                 and all(_is_int(s) and s >= 0 for s in seeds) and cfg["seed"] not in seeds
                 and len(set(seeds)) == len(seeds),
                 f"a list of distinct whole numbers >= 0 other than the run's seed ({cfg['seed']})")
    check.flag("explain.stability.background_redraw", explain["stability"]["background_redraw"])
    splits = explain["splits"]
    check.expect("explain.splits", splits, isinstance(splits, list)
                 and not set(splits) - {"train", "valid", "test", "oot"},
                 "a list of train, valid, test, oot")
    check.flag("figures.enabled", cfg["figures"]["enabled"])
    errors.extend(check_reject_inference(cfg["reject_inference"]))
    errors.extend(check_validate(cfg["validate"]))  # the validation battery's own checks
    segment = cfg["evaluate"]["segment"]
    check.expect("evaluate.segment", segment, segment is None or isinstance(segment, str),
                 "a column name")
    figures = cfg["figures"]
    check.expect("figures.lang", figures["lang"], figures["lang"] in ("en", "zh"), "en or zh")
    check.expect("figures.variant", figures["variant"], figures["variant"] in ("report", "slides"),
                 "report or slides")
    formats = figures["formats"]
    check.expect("figures.formats", formats, isinstance(formats, list) and bool(formats)
                 and not set(formats) - {"png", "svg", "pdf"}, "a non-empty list of png, svg, pdf")
    name = str(cfg["name"])
    check.expect("name", cfg["name"], bool(name) and not any(c in name for c in "/\\:")
                 and not name.startswith("."), "a plain folder-friendly word")


def _check_models(models: dict[str, Any], check: _Checks) -> None:
    for name, spec in models.items():
        check.flag(f"models.{name}.enabled", spec.get("enabled", True))
        if "calibrate" in spec:
            check.flag(f"models.{name}.calibrate", spec["calibrate"])
        for key in ("base_odds", "pdo"):
            if key in spec:
                check.positive(f"models.{name}.{key}", spec[key])
        if "base_score" in spec:
            check.expect(f"models.{name}.base_score", spec["base_score"],
                         _is_number(spec["base_score"]), "a number")
    card = models["scorecard"]
    check.whole("models.scorecard.max_n_bins", card["max_n_bins"], 2)
    check.between("models.scorecard.min_bin_size", card["min_bin_size"], 0, 0.5,
                  "a share of rows", strict=True)
    gbm = models["lgbm"]
    check.whole("models.lgbm.num_threads", gbm["num_threads"], 1)
    params = gbm["params"]
    check.expect("models.lgbm.params", params, params is None or isinstance(params, Mapping),
                 "a mapping of LightGBM parameters")
    check.expect("models.lgbm.interactions", gbm["interactions"],
                 gbm["interactions"] in LGBM_INTERACTIONS, ", ".join(LGBM_INTERACTIONS))
    ebm = models["ebm"]
    pairs = ebm["interactions"]
    check.expect("models.ebm.interactions", pairs, pairs in EBM_INTERACTIONS
                 or (_is_int(pairs) and pairs >= 0),
                 f"{' or '.join(EBM_INTERACTIONS)} or a whole number of pairs >= 0")
    check.flag("models.ebm.monotone", ebm["monotone"])
    check.whole("models.ebm.outer_bags", ebm["outer_bags"], 1)
    check.whole("models.ebm.n_jobs", ebm["n_jobs"], 1)
    check.expect("models.ebm.params", ebm["params"], ebm["params"] is None
                 or (isinstance(ebm["params"], Mapping) and not set(ebm["params"]) & EBM_RESERVED),
                 "a mapping of interpret EBM parameters other than "
                 f"{', '.join(sorted(EBM_RESERVED))} (riskkit sets those)")


def _check_policy(policy: dict[str, Any], check: _Checks) -> None:
    cut = policy["cutoff"]
    method = cut.get("method")
    if check.expect("policy.cutoff.method", method, isinstance(method, str) and method in CUTOFF_VALUE,
                    ", ".join(CUTOFF_VALUE)):
        check.between("policy.cutoff.value", cut.get("value"), 0, 1, CUTOFF_VALUE[method],
                      strict=True)
    confidence = cut.get("confidence")
    check.expect("policy.cutoff.confidence", confidence, confidence is None
                 or (_is_number(confidence) and 0.5 <= confidence < 1),
                 "a probability between 0.5 and 1 (e.g. 0.95), or null")
    line = policy["line"]
    if line is not None and check.expect("policy.line", line, isinstance(line, Mapping),
                                         "a mapping"):
        for key in ("income_multiple", "round_to"):
            if key in line:
                check.positive(f"policy.line.{key}", line[key])
        if "floor_share" in line:
            check.between("policy.line.floor_share", line["floor_share"], 0, 1, "a share")
        low, high = line.get("min_line", 0), line.get("max_line", float("inf"))
        if "min_line" in line:
            check.expect("policy.line.min_line", low, _is_number(low) and low >= 0,
                         "an amount >= 0")
        if "max_line" in line:
            check.expect("policy.line.max_line", high, _is_number(high) and _is_number(low)
                         and high >= low, f"an amount >= policy.line.min_line ({low!r})")
    missing = policy["missing"]
    check.expect("policy.missing.knockouts", missing["knockouts"],
                 missing["knockouts"] in MISSING_OUTCOMES, ", ".join(MISSING_OUTCOMES))
    check.expect("policy.missing.income", missing["income"], missing["income"] in MISSING_INCOME,
                 ", ".join(MISSING_INCOME))
    rules = policy["knockouts"]
    if isinstance(rules, Mapping):
        for rule, spec in rules.items():
            if isinstance(spec, Mapping) and "missing" in spec:
                check.expect(f"policy.knockouts.{rule}.missing", spec["missing"],
                             spec["missing"] in MISSING_OUTCOMES, ", ".join(MISSING_OUTCOMES))
            if isinstance(spec, Mapping):  # its shape and feature are checked by the policy
                if "op" in spec:
                    check.expect(f"policy.knockouts.{rule}.op", spec["op"],
                                 spec["op"] in KNOCKOUT_OPS, " ".join(KNOCKOUT_OPS))
                if "value" in spec:
                    check.expect(f"policy.knockouts.{rule}.value", spec["value"],
                                 _is_number(spec["value"]), "a number")


def resolve(user: Mapping[str, Any] | None = None, *, source: str = "config",
            rows: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """Defaults + ``user`` + command-line overrides, validated; all problems in one error."""
    errors: list[str] = []
    if user is not None and not isinstance(user, Mapping):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level, got {type(user).__name__}")
    cfg = _merge(DEFAULTS, user or {}, (), errors)
    read_natural_values(cfg, DEFAULTS, FREE_FORM)  # "5%", "20,000", "0.5" as the numbers
    if rows is not None:
        cfg["data"]["rows"] = rows
        cfg["data"]["oot"]["rows"] = min(cfg["data"]["oot"]["rows"], max(rows // 4, 1000))
    if seed is not None:
        cfg["seed"] = seed
    if not errors:
        _check_values(cfg, errors)
        errors.extend(check_model_params(cfg))  # against LightGBM's and optbinning's own lists
        errors.extend(check_tracking(cfg["tracking"]))
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(errors))
    return cfg


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """A config file's YAML as written, or a ConfigError naming the file and the line.

    Parameters
    ----------
    path:
        The YAML file.

    Returns
    -------
    Any
        The parsed document (``{}`` for an empty file).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config {p} does not exist")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config {p} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {p} is not UTF-8 text") from None


def load_config(path: str | os.PathLike[str], *, rows: int | None = None,
                seed: int | None = None) -> dict[str, Any]:
    """Read a YAML config file and resolve it (see :func:`resolve`)."""
    return resolve(read_yaml(path), source=str(Path(path)), rows=rows, seed=seed)


def dump(cfg: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(cfg), sort_keys=False, allow_unicode=True)
