"""The config of a ``riskkit fit`` run: BYOD defaults, the user's YAML, strict checks.

Why a module of its own: a data file's config differs from a synthetic one in what is
*derived from the data* (the feature list, the segment column, LightGBM's leaf sizes, the
row count) and in what a user may *name as in the file* (Chinese column names for
features, the segment, knock-out rules). Both are resolved here, then handed to
:func:`riskkit.experiment.config.resolve`, which validates every key and value as for ``riskkit run``.

The YAML may carry two sections ``riskkit run`` does not know: ``ingest:``, passed to
:func:`riskkit.data.ingest.load_dataset` (the :class:`~riskkit.data.schema.SchemaOptions` fields plus
``kinds`` and ``directions``), and ``protected:`` (:func:`mark_protected`); both are checked
with the same "did you mean" messages.

Protected attributes
--------------------
Columns whose names say sex, age, race, marital status, nationality, foreign worker or
religion (:func:`riskkit.data.protected.detect_protected`, Chinese names too) are protected
by default: analysed for fairness, never a model feature, never a reason. ``protected:``
overrides, by column name as in the file or by feature name::

    protected:
      region: true          # protected too (a name detection does not know)
      telephone: false      # detected, but not a protected attribute here
      age_in_years: feature # protected, and a model feature all the same (never a reason)

A list (``protected: [region]``) declares each name ``true``. A protected column named in
the config's ``features:`` list is a model feature as well, as if marked ``feature``.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.errors import ConfigError
from riskkit.core.features import Feature
from riskkit.data.ingest import Dataset
from riskkit.data.protected import detect_protected, protected_reason
from riskkit.data.schema import SchemaOptions
from riskkit.experiment import config as C
from riskkit.policy import LineRule

__all__ = [
    "DEFAULT_SEED",
    "INGEST_KEYS",
    "check_early",
    "choose_seed",
    "choose_segment",
    "defaults_shape",
    "ingest_options",
    "lgbm_params",
    "mark_protected",
    "overlay",
    "read_user_config",
    "resolve_fit_config",
]

DEFAULT_SEED = 7
INGEST_KEYS = (*(f.name for f in fields(SchemaOptions)), "kinds", "directions")
_SEGMENT_LEVELS = (2, 8)
_SEGMENT_MIN_SHARE = 0.05


def check_early(user: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Validate a user's fit config before any data is read (a typo fails at once).

    Returns the config resolved on the data-independent defaults: its ``data.split`` shares
    are the ones the file is split by (the split comes before anything is learned from it).
    """
    models = user.get("models")
    oracle = models.get("oracle") if isinstance(models, Mapping) else None
    if isinstance(oracle, Mapping) and oracle.get("enabled"):
        raise ConfigError(f"{source}: 'models.oracle.enabled' must stay false: the oracle is "
                          "the true PD of synthetic data, which a data file does not have")
    early = C.resolve(overlay(defaults_shape(), user), source=source)
    knockouts = (user.get("policy") or {}).get("knockouts")
    if knockouts is not None and not (isinstance(knockouts, Mapping) and all(
            isinstance(rule, Mapping) for rule in knockouts.values())):
        raise ConfigError(f"{source}: 'policy.knockouts' must map rule names to "
                          f"{{feature, op, value}}, got {knockouts!r}")
    return early


def choose_segment(frame: pd.DataFrame, registry: Mapping[str, Feature]) -> str | None:
    """The categorical feature to report performance by, or None.

    The most balanced one (largest smallest-level share, missing counted as a level) among
    those with 2-8 levels whose every level holds at least 5 % of rows: with more, or
    thinner, levels a 20 % test split leaves segments too small for an AUC.
    """
    best: tuple[float, str] | None = None
    for name, feat in registry.items():
        if not feat.is_categorical:
            continue
        shares = frame[name].value_counts(normalize=True, dropna=False)
        low, high = _SEGMENT_LEVELS
        if not low <= len(shares) <= high or shares.min() < _SEGMENT_MIN_SHARE:
            continue
        if best is None or shares.min() > best[0]:
            best = (float(shares.min()), name)
    return None if best is None else best[1]


def read_user_config(config_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The YAML as written (not resolved: the data decides part of the defaults)."""
    if config_path is None:
        return {}
    p = Path(config_path)
    user = C.read_yaml(p)
    if not isinstance(user, dict):
        raise ConfigError(f"config {p}: expected a mapping of settings at the top level, "
                          f"got {type(user).__name__}")
    return copy.deepcopy(user)


def ingest_options(section: Any, source: str) -> dict[str, Any]:
    """The ``ingest:`` section as ``load_dataset`` options, keys and values checked."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: 'ingest' must be a mapping, got {section!r}")
    problems = []
    for key in section:
        if key not in INGEST_KEYS:
            close = difflib.get_close_matches(str(key), INGEST_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown key 'ingest.{key}'{hint}; expected one of: "
                            f"{', '.join(INGEST_KEYS)}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    options = dict(section)
    SchemaOptions.build(**{k: v for k, v in options.items() if k not in ("kinds", "directions")})
    return options


def overlay(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``; nested mappings merge, anything else is replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = overlay(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def defaults_shape() -> dict[str, Any]:
    """The data-independent part of the defaults (enough to validate a user config early)."""
    return {"models": {"oracle": {"enabled": False}}, "policy": {"knockouts": {}},
            "data": {"oot": {"rows": 0}}, "explain": {"splits": ["test"]}}


def lgbm_params(n_train: int) -> dict[str, Any]:
    """Leaf sizes for the training rows at hand.

    LightGBM's defaults here (200 rows a leaf, 100 a category) suit 100k synthetic
    applicants; on 600 training rows they allow three leaves a tree and hardly any
    categorical split. One leaf per ~2 % of rows (at least 20) keeps leaves big enough for
    a stable bad rate.
    """
    leaf = int(np.clip(n_train // 50, 20, 200))
    return {"min_child_samples": leaf, "min_data_per_group": leaf, "num_leaves": 15,
            "cat_smooth": 10.0}


def resolve_fit_config(user: dict[str, Any], source: str, path: Path, dataset: Dataset,
                       frame: pd.DataFrame, registry: dict[str, Feature], name: str | None,
                       seed: int) -> tuple[dict[str, Any], list[str]]:
    """The run config: BYOD defaults, then the user's config, validated; plus notes.

    ``user`` has passed :func:`check_early`, so its sections have the right types.
    """
    notes: list[str] = []
    lookup = _feature_lookup(dataset, registry)
    n = len(frame)
    shares = overlay(C.DEFAULTS["data"]["split"], (user.get("data") or {}).get("split") or {})
    n_train = round(float(shares["train"]) * n)
    defaults = overlay(defaults_shape(), {
        "name": _run_name(path),
        "features": [f for f, feat in registry.items() if feat.model_feature],
        "models": {"lgbm": {"params": lgbm_params(n_train)}},
        "evaluate": {"segment": choose_segment(frame, registry)},
    })
    user = copy.deepcopy(user)
    if "features" in user and user["features"] is not None:
        user["features"] = _map_names(user["features"], lookup, "features", source)
    segment = (user.get("evaluate") or {}).get("segment")
    if segment is not None:
        user["evaluate"]["segment"] = _map_names([segment], lookup, "evaluate.segment", source)[0]
    knockouts = (user.get("policy") or {}).get("knockouts") or {}
    for rule_name, rule in (knockouts.items() if isinstance(knockouts, Mapping) else ()):
        if isinstance(rule, dict) and "feature" in rule:
            where = f"policy.knockouts.{rule_name}.feature"
            rule["feature"] = _map_names([rule["feature"]], lookup, where, source)[0]
    if (user.get("data") or {}).get("rows") not in (None, n):
        notes.append(f"config data.rows {user['data']['rows']} ignored: the file has {n} rows")
    merged = overlay(defaults, user)
    merged.setdefault("data", {})["rows"] = n
    chosen = _seed(seed, user.get("seed"), source)
    if name is not None:
        merged["name"] = name
    cfg = C.resolve(merged, source=source, seed=chosen)
    notes.append(f"segment column for performance by segment: {cfg['evaluate']['segment']}")
    notes.append("knock-out rules: " + (", ".join(cfg["policy"]["knockouts"]) or "none"))
    notes.append("oracle model disabled: a data file has no true PD")
    min_line = float((cfg["policy"].get("line") or {}).get("min_line", LineRule().min_line))
    notes.append("credit lines: the policy's line grows with the built-in 'monthly_income', "
                 "which a data file does not have, so every approved applicant gets the "
                 f"minimum line, policy.line.min_line = {min_line:,.0f}")
    return cfg, notes


def mark_protected(registry: Mapping[str, Feature], dataset: Dataset, section: Any,
                   features: Any, source: str) -> tuple[dict[str, Feature], list[str]]:
    """The registry with protected attributes marked, and a note on each.

    Parameters
    ----------
    registry
        the data's features (reserved names already renamed).
    dataset
        the ingested file (for the column names as written).
    section
        the config's ``protected:`` section: None, a list of names, or a mapping of name to
        ``true`` / ``false`` / ``"feature"`` (see the module docstring).
    features
        the config's ``features:`` list as written, or None.
    source
        the config's name for error messages.

    Returns
    -------
    tuple
        ``(registry, notes)``: a protected entry has ``protected=True``, kind
        ``immutable``, ``model_feature`` only where the config says so, and
        ``extra["protected_kind"]`` (``"age"`` gets age bands in the fairness tables).
    """
    lookup = _feature_lookup(dataset, registry)
    wanted = _protected_section(section, lookup, source)
    named = set()
    if isinstance(features, list | tuple):
        named = {lookup[str(f)] for f in features if str(f) in lookup}
    by_column = {feat.extra.get("source_column", name): name for name, feat in registry.items()}
    detected = {by_column.get(col, col): kind for col, kind in detect_protected(by_column).items()}
    for name, kind in detect_protected(registry).items():
        detected.setdefault(name, kind)
    out, notes = dict(registry), []
    for name, feat in registry.items():
        column = feat.extra.get("source_column", name)
        choice = wanted.get(name)
        if choice is False:
            if name in detected:
                notes.append(f"column {column!r} looks like a protected attribute "
                             f"({detected[name]}) but the config says it is not one: "
                             "an ordinary feature")
            continue
        if name not in detected and choice is None:
            continue
        kind = detected.get(name, "declared")
        why = ((protected_reason(column) or protected_reason(name)) if name in detected
               else "declared in the config's protected:")
        as_feature = choice == "feature" or name in named
        out[name] = replace(feat, protected=True, model_feature=as_feature, kind="immutable",
                            extra={**feat.extra, "protected_kind": kind})
        use = ("a model feature as the config says, but never a reason" if as_feature
               else "not a model feature, never a reason")
        notes.append(f"protected attribute {column!r}: {why}; analysed for fairness, {use}")
    return out, notes


def _protected_section(section: Any, lookup: Mapping[str, str], source: str) -> dict[str, Any]:
    """The ``protected:`` section as feature name -> True / False / "feature", checked."""
    if section is None:
        return {}
    if isinstance(section, list | tuple):
        section = dict.fromkeys(section, True)
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: 'protected' must be a list of column names or a mapping "
                          f"of column name to true, false or feature; got {section!r}")
    problems = [f"'protected.{key}' is {value!r}; expected true, false or feature"
                for key, value in section.items() if value not in (True, False, "feature")]
    names = _map_names([str(k) for k in section], lookup, "protected", source) if section else []
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return dict(zip(names, section.values(), strict=True))


def choose_seed(argument: int, configured: Any, source: str) -> int:
    """The run's seed: the argument, or a config's own ``seed:`` over the default."""
    return _seed(argument, configured, source)


def _seed(argument: int, configured: Any, source: str) -> int:
    if configured is None or argument == configured:
        return argument
    if argument == DEFAULT_SEED:
        return configured
    raise ConfigError(f"{source}: seed given twice, {configured!r} in the config and "
                      f"{argument!r} as an argument; drop one")


def _run_name(path: Path) -> str:
    """A folder-friendly run name from the file name (``loans 2024.csv`` -> ``loans_2024``)."""
    stem = "".join("_" if c in "/\\:" or c.isspace() else c for c in path.stem).lstrip("._")
    return stem or "byod"


def _feature_lookup(dataset: Dataset, registry: Mapping[str, Feature]) -> dict[str, str]:
    """Names a config may use for a feature -> the model feature name."""
    lookup = {feat: feat for feat in registry}
    for info in dataset.schema.kept:
        lookup.setdefault(info.name, info.feature)
    return lookup


def _map_names(names: Any, lookup: Mapping[str, str], where: str, source: str) -> list[str]:
    if isinstance(names, str) or not isinstance(names, list | tuple):
        names = [names]
    out, problems = [], []
    for raw in names:
        key = str(raw)
        if key in lookup:
            out.append(lookup[key])
            continue
        close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where!r} names {key!r}, which is not a feature of the data{hint}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return out
