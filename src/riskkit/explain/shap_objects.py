"""riskkit's explanations as ``shap.Explanation`` objects, so shap's own plots work on them.

An analyst who explains a denial reaches for ``shap.plots.waterfall``, ``beeswarm``,
``bar``, ``scatter`` and ``heatmap``. They all read one object; :func:`to_shap` builds it
from :func:`riskkit.explain.contributions`, which every riskkit model already provides
(LightGBM TreeSHAP, the scorecard's WoE points, the oracle's exact true Shapley values):

* ``values``: per-feature log-odds contributions (positive raises the risk of default);
* ``base_values``: the model's base log-odds, one per row, so that
  ``values.sum(axis=1) + base_values == model.predict_logit(X)`` (calibration included:
  the calibrated contributions are what is added up);
* ``data``: the model's design values, numeric: numbers as floats, categoricals as their
  integer codes on the levels the model was fitted with (NaN where missing), so beeswarm
  colours and scatter axes have numbers to work with;
* ``display_data``: the same values as an applicant reads them, with units (``"7,500
  CNY/month"``, ``"40%"``, ``"internet industry"``): waterfall and bar quote these;
* ``feature_names``: the registry's labels in the chosen language.

Feature metadata comes from the registry the model carries (``model.registry``) or the one
passed in; without either, the synthetic world's. A feature the registry does not know (an
engineered column) keeps its column name and a plainly formatted value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.explain.contrib import Engine, Reference, contributions
from riskkit.explain.wording import LANGS
from riskkit.models.base import prepare_frame
from riskkit.texts import Words, category_text

if TYPE_CHECKING:
    import shap

VALUES = Words("values")
#: Units whose format already says it all (ratios printed as percentages, counts, flags,
#: tiers) add nothing after the number.
SILENT_UNITS: tuple[str, ...] = ("ratio", "count", "flag", "tier", "")


def _lang(lang: Any) -> str:
    if not isinstance(lang, str) or lang not in LANGS:
        raise ConfigError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def feature_entry(name: str, registry: Mapping[str, Any] | Any | None = None) -> Any | None:
    """The registry entry of ``name`` (None when unknown).

    ``registry`` may be the synthetic world's mapping, a ``Registry`` value (anything with
    ``in`` and ``get``) or None for the synthetic one.
    """
    reg = F.REGISTRY if registry is None else registry
    return reg.get(name) if name in reg else None


def model_registry(model: Any, registry: Any = None) -> Any:
    """The registry to describe ``model``'s features with: the one given, the model's own, or
    None (the synthetic world's)."""
    return registry if registry is not None else getattr(model, "registry_", None)


def display_value(name: str, value: Any, lang: str = "en", registry: Any = None, *,
                  sentence: bool = False) -> str:
    """One value as an applicant reads it, with its unit, in ``lang`` ("en" or "zh").

    A missing value reads "none"; with ``sentence=True`` a missing value that means
    something gets its sentence instead ("No credit card on record"; too long for a plot's
    tick label, right for a panel). Flags read yes / no, categoricals their readable level, numbers the registry's format
    followed by the unit.

    Parameters
    ----------
    name : str
        The feature.
    value : object
        Its value.
    lang : {"en", "zh"}
        Language.
    registry : Registry or mapping, optional
        Where the feature is described (default: the synthetic world's).
    sentence : bool
        A missing value that means something as its sentence.

    Returns
    -------
    str
    """
    lang = _lang(lang)
    feat = feature_entry(name, registry)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        said = VALUES.get(f"missing.{name}", lang) if sentence else None
        return VALUES("none", lang) if said is None else said
    if feat is None:
        return f"{value:,.4g}" if isinstance(value, (int, float, np.number)) else str(value)
    if feat.is_categorical:
        said = category_text(name, value, lang)
        return str(value) if said is None else said
    if feat.unit == "flag":
        try:
            return VALUES("flag.yes" if round(float(value)) == 1 else "flag.no", lang)
        except (TypeError, ValueError):
            return str(value)
    if feat.unit == "tier":
        return VALUES("tier", lang, tier=feat.format_value(value))
    if feat.unit in SILENT_UNITS:
        return feat.format_value(value)
    key = f"unit.{feat.unit}" if f"unit.{feat.unit}" in VALUES else "unit.other"
    return VALUES(key, lang, value=feat.format_value(value), unit=feat.unit)


class Shown:
    """A number as an applicant reads it (``"7,500 CNY/month"``) that still plots as a number.

    Why not a plain string: ``shap.plots.scatter`` puts one x tick per distinct string of
    ``display_data`` (an income became hundreds of ticks) and only plots on a numeric axis
    when the display value is not a ``str``; ``shap.plots.waterfall`` prints ``str()`` of a
    value that is not a number type. A ``Shown`` is neither a ``str`` nor a numpy number, so
    the waterfall quotes it with its unit and the scatter reads the number. It compares
    equal to its text.
    """

    __slots__ = ("text", "value")

    def __init__(self, text: str, value: float) -> None:
        self.text, self.value = text, value

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return repr(self.text)

    def __float__(self) -> float:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Shown):
            return self.text == other.text
        return isinstance(other, str) and self.text == other

    def __hash__(self) -> int:
        return hash(self.text)


#: Units whose few values read as levels (yes / no, a city tier): strings, category ticks.
_LEVEL_UNITS = frozenset({"flag", "tier"})


def display_frame(frame: pd.DataFrame, columns: list[str] | tuple[str, ...], lang: str = "en",
                  registry: Any = None) -> np.ndarray:
    """``display_value`` for every cell of ``frame[columns]``, as an object array (n x d).

    Categories, flags and tiers are strings; every other number is a :class:`Shown`, its
    text with its value, so shap's scatter puts it on a numeric axis. Formatting runs once
    per distinct value of a column, not once per cell: a population has far fewer distinct
    incomes or counts than rows.
    """
    out = np.empty((len(frame), len(columns)), dtype=object)
    for j, name in enumerate(columns):
        col = frame[name].astype(object) if name in frame.columns else pd.Series(
            [None] * len(frame), index=frame.index, dtype=object)
        col = col.where(col.notna(), None)
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        feat = feature_entry(name, registry)
        numeric = (feat is not None and not feat.is_categorical and feat.unit not in _LEVEL_UNITS
                   and all(isinstance(u, (int, float, np.number)) for u in uniques))
        texts = [display_value(name, u, lang, registry) for u in uniques]
        missing = display_value(name, None, lang, registry)
        if numeric:
            texts = [Shown(t, float(u)) for t, u in zip(texts, uniques, strict=True)]
            missing = Shown(missing, float("nan"))
        table = np.empty(len(texts) + 1, dtype=object)
        table[:] = [*texts, missing]
        out[:, j] = table[np.where(codes < 0, len(uniques), codes)]
    return out


def design_values(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """The model's inputs as numbers (n x d floats): categoricals become level codes.

    The frame goes through the same validation every prediction does (the model's own
    levels, its feature order), so the numbers are those the model saw.
    """
    features = tuple(model.features_)
    prepared = prepare_frame(frame, features, dict(getattr(model, "levels_", {}) or {}), "X")
    out = np.empty((len(prepared), len(features)), dtype=float)
    for j, name in enumerate(features):
        col = prepared[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy().astype(float)
            out[:, j] = np.where(codes < 0, np.nan, codes)
        else:
            out[:, j] = col.to_numpy(dtype=float, na_value=np.nan)
    return out


def feature_labels(names: list[str] | tuple[str, ...], lang: str = "en",
                   registry: Any = None) -> list[str]:
    """Registry labels (``label_en`` / ``label_zh``) of ``names``; unknown names unchanged."""
    lang = _lang(lang)
    labels = []
    for name in names:
        feat = feature_entry(name, registry)
        labels.append(feat.label(lang) if feat is not None else str(name))
    return labels


def to_shap(model: Any, X: pd.DataFrame, *, lang: str = "en", reference: Reference = "mean",
            engine: Engine = "auto", registry: Any = None) -> shap.Explanation:
    """A ``shap.Explanation`` of ``model``'s log-odds for the rows of ``X``.

    Parameters
    ----------
    model : CreditModel
        Any fitted riskkit model (oracle, scorecard, LightGBM, a ``riskkit fit`` model).
    X : pandas.DataFrame
        Applicants with (at least) the model's feature columns; other columns are ignored.
    lang : {"en", "zh"}
        Language of ``feature_names`` and ``display_data``.
    reference : {"mean", "best"}
        Scorecard only: ``"mean"`` (default) measures each feature against the training mean
        WoE, signed like SHAP values, which is what beeswarm and scatter plots assume;
        ``"best"`` against the lowest-risk bin (the adverse-action view of reason codes).
    engine : {"auto", "native", "fast"}
        LightGBM only: which TreeSHAP implementation computes the values.
    registry : Registry or mapping, optional
        Where labels, formats and units come from; default the model's own
        (``model.registry``), else the synthetic world's.

    Returns
    -------
    shap.Explanation
        ``values`` (n x d log-odds), ``base_values`` (n), ``data`` (n x d floats, category
        codes), ``display_data`` (n x d: texts with units; numbers as :class:`Shown`, which
        print with their unit and plot as numbers), ``feature_names`` (labels).
        ``values.sum(axis=1) + base_values`` equals ``model.predict_logit(X)`` to rounding.
    """
    import shap  # imported on use: it costs a second and most riskkit sessions never need it

    if not isinstance(X, pd.DataFrame):
        raise ConfigError(f"to_shap needs a pandas DataFrame of applicants, got {type(X).__name__}")
    lang = _lang(lang)
    reg = model_registry(model, registry)
    contrib, base = contributions(model, X, reference=reference, engine=engine)
    names = list(contrib.columns)
    values = contrib.to_numpy(dtype=float)
    return shap.Explanation(
        values=values,
        base_values=np.full(len(values), float(base)),
        data=design_values(model, X),
        display_data=display_frame(X, names, lang, reg),
        feature_names=feature_labels(names, lang, reg),
    )


def additivity_gap(explanation: Any, model: Any, X: pd.DataFrame) -> float:
    """max |values.sum(axis=1) + base_values - model.predict_logit(X)| (0 for no rows)."""
    if len(X) == 0:
        return 0.0
    total = np.asarray(explanation.values, dtype=float).sum(axis=1) + np.asarray(
        explanation.base_values, dtype=float)
    return float(np.max(np.abs(total - np.asarray(model.predict_logit(X), dtype=float))))
