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
from riskkit.rejectinf import DEFAULTS as REJECT_INFERENCE_DEFAULTS
from riskkit.rejectinf import check_section as check_reject_inference
from riskkit.synth.scenarios import SCENARIOS
from riskkit.synth.worlds import DIALS, world_spec

#: Sections whose content is free-form (checked by the component that reads it).
FREE_FORM = {("features",), ("models", "lgbm", "params"), ("models", "scorecard", "binning_params"),
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
        # a later cohort, drawn from its own seed, optionally under another scenario
        "oot": {"rows": 50_000, "scenario": "baseline", "seed_offset": 1000},
    },
    "models": {
        "oracle": {"enabled": True},
        "scorecard": {"enabled": True, "calibrate": True, "max_n_bins": 6, "min_bin_size": 0.05,
                      "base_score": 600, "base_odds": 50, "pdo": 20, "binning_params": None,
                      "feature_binning_params": None, "special_codes": None},
        # one thread: runs are deterministic either way, and on a small shared machine
        # (2 cores, tests in parallel) more threads than cores slow LightGBM down tenfold
        # monotone: False fits without the registry's monotone constraints
        "lgbm": {"enabled": True, "calibrate": True, "monotone": True, "params": None,
                 "num_threads": 1,
                 "contrib_engine": "fast", "base_score": 600, "base_odds": 50, "pdo": 20},
    },
    "policy": {
        "model": "lgbm",
        "cutoff": {"method": "approval_rate", "value": 0.75},
        "knockouts": None,
        "line": None,
    },
    "explain": {"max_reasons": 4, "recourse_sample": 40, "splits": ["test", "oot"]},
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


def _check_values(cfg: dict[str, Any], errors: list[str]) -> None:
    data = cfg["data"]
    if not isinstance(cfg["seed"], int) or isinstance(cfg["seed"], bool) or cfg["seed"] < 0:
        errors.append(f"'seed' must be a whole number >= 0, got {cfg['seed']!r}")
    for key in ("rows",):
        value = data[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1000:
            errors.append(f"'data.{key}' must be a whole number >= 1000, got {value!r}")
    oot_rows = data["oot"]["rows"]
    if not isinstance(oot_rows, int) or isinstance(oot_rows, bool) or oot_rows < 0:
        errors.append(f"'data.oot.rows' must be a whole number >= 0, got {oot_rows!r}")
    split = data["split"]
    shares = [split.get(k) for k in ("train", "valid", "test")]
    if not all(isinstance(s, (int, float)) and s > 0 for s in shares) or abs(sum(shares) - 1) > 1e-9:
        errors.append(f"'data.split' shares must be positive and add up to 1, got {split!r}")

    for where, scen in (("data.scenario", data["scenario"]), ("data.oot.scenario", data["oot"]["scenario"])):
        if scen not in SCENARIOS:
            errors.append(f"{where!r}: unknown scenario {scen!r}; expected one of: {', '.join(SCENARIOS)}")
    try:
        world_spec(data["world"], data["truth"])
    except ConfigError as exc:
        errors.append(f"'data.world': {exc}" if "data.truth" not in str(exc) else str(exc))
    if not isinstance(cfg["models"]["lgbm"]["monotone"], bool):
        errors.append(f"'models.lgbm.monotone' must be true or false, got "
                      f"{cfg['models']['lgbm']['monotone']!r}")
    if not 0.001 <= float(data["bad_rate"]) <= 0.5:
        errors.append(f"'data.bad_rate' must lie between 0.001 and 0.5, got {data['bad_rate']!r}")
    enabled = [m for m, spec in cfg["models"].items() if spec.get("enabled", True)]
    if cfg["policy"]["model"] not in enabled:
        errors.append(f"'policy.model' is {cfg['policy']['model']!r}, which is not an enabled model "
                      f"({', '.join(enabled)})")
    if cfg["figures"]["lang"] not in ("en", "zh"):
        errors.append(f"'figures.lang' must be 'en' or 'zh', got {cfg['figures']['lang']!r}")
    if cfg["figures"]["variant"] not in ("report", "slides"):
        errors.append(f"'figures.variant' must be 'report' or 'slides', got {cfg['figures']['variant']!r}")
    if not isinstance(cfg["figures"]["enabled"], bool):
        errors.append(f"'figures.enabled' must be true or false, got {cfg['figures']['enabled']!r}")
    formats = cfg["figures"]["formats"]
    if not isinstance(formats, list) or not formats or set(formats) - {"png", "svg", "pdf"}:
        errors.append(f"'figures.formats' must be a non-empty list of png, svg, pdf; got {formats!r}")
    bad_splits = set(cfg["explain"]["splits"]) - {"train", "valid", "test", "oot"}
    if bad_splits:
        errors.append(f"'explain.splits': unknown split(s) {sorted(bad_splits)}")
    errors.extend(check_reject_inference(cfg["reject_inference"]))
    name = str(cfg["name"])
    if not name or any(c in name for c in "/\\:") or name.startswith("."):
        errors.append(f"'name' must be a plain folder-friendly word, got {name!r}")


def resolve(user: Mapping[str, Any] | None = None, *, source: str = "config",
            rows: int | None = None, seed: int | None = None) -> dict[str, Any]:
    """Defaults + ``user`` + command-line overrides, validated; all problems in one error."""
    errors: list[str] = []
    if user is not None and not isinstance(user, Mapping):
        raise ConfigError(f"{source}: expected a mapping of settings at the top level, got {type(user).__name__}")
    cfg = _merge(DEFAULTS, user or {}, (), errors)
    if rows is not None:
        cfg["data"]["rows"] = rows
        cfg["data"]["oot"]["rows"] = min(cfg["data"]["oot"]["rows"], max(rows // 4, 1000))
    if seed is not None:
        cfg["seed"] = seed
    if not errors:
        _check_values(cfg, errors)
    if errors:
        raise ConfigError(f"{source}: " + "; ".join(errors))
    return cfg


def load_config(path: str | os.PathLike[str], *, rows: int | None = None,
                seed: int | None = None) -> dict[str, Any]:
    """Read a YAML config file and resolve it (see :func:`resolve`)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config {p} does not exist")
    try:
        user = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config {p} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {p} is not UTF-8 text") from None
    return resolve(user, source=f"config {p}", rows=rows, seed=seed)


def dump(cfg: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(cfg), sort_keys=False, allow_unicode=True)
