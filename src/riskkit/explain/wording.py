"""Feature values and reason sentences as an applicant reads them, en + zh.

The registry holds each feature's reason template and the text catalogue
(:mod:`riskkit.texts`, section ``values``) the words for levels, flags and missing values;
this module fills them in, in bulk.
Filling is vectorised per feature over the *distinct* values (a population has far fewer
distinct incomes or counts than denied applicants), so rendering reasons for 200,000
applicants costs a few string operations per feature, not one Python call per reason.

Special cases the templates alone would get wrong:

* categoricals quote a readable value ("internet industry" / "互联网行业"), not the code;
* flags (``unit == "flag"``) have fixed sentences that are true only at their risky level
  (1 for "currently overdue", 0 for "has a housing fund"); at the other level a neutral
  "label: value" sentence is used rather than a false one;
* a missing value means something ("no credit card", "never overdue"), so it gets its own
  sentence instead of "Credit cards are none used";
* without a reference value the "; among approved applicants the median is ..." clause is
  dropped rather than printed with a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.registry import Registry
from riskkit.texts import LANGS, Words, category_text

VALUES = Words("values")




def missing_text(name: str, lang: str = "en", registry: Registry = F.SYNTHETIC) -> str:
    """What a missing value of ``name`` means ("No credit card on record"), or "<feature>:
    not on record" when the catalogue says nothing particular about it."""
    said = VALUES.get(f"missing.{name}", lang)
    if said is not None:
        return said
    feature = registry.get_feature(name)
    description = feature.description_zh if lang == "zh" else feature.description_en
    return VALUES("missing.other", lang, description=description)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def value_text(name: str, value: Any, lang: str = "en", registry: Registry = F.SYNTHETIC) -> str:
    """One value as an applicant would read it (formatted number or readable category)."""
    feature = registry.get_feature(name)
    if _is_missing(value):
        return VALUES("none", lang)
    if feature.is_categorical:
        said = category_text(name, value, lang)
        return str(value) if said is None else said
    return feature.format_value(value)


def risky_flag_level(name: str, registry: Registry = F.SYNTHETIC) -> int | None:
    """The level of a 0/1 flag whose fixed reason sentence is true, or None if no flag."""
    feature = registry.get_feature(name)
    if feature.unit != "flag":
        return None
    return 1 if feature.direction == "increasing" else 0


def _template(name: str, lang: str, reference: Any, registry: Registry) -> str:
    feature = registry.get_feature(name)
    template = feature.reason_zh if lang == "zh" else feature.reason_en
    if not template:
        template = VALUES("labelled", lang, label=feature.label(lang), value="{value}")
    if "{reference}" in template:
        if _is_missing(reference):
            cut = template.find(VALUES("reference_clause", lang))
            template = template[:cut] if cut >= 0 else template.replace("{reference}", "—")
        else:
            template = template.replace("{reference}", value_text(name, reference, lang, registry))
    return template


def reason_texts(name: str, values: pd.Series | np.ndarray | list[Any], reference: Any = None,
                 lang: str = "en", registry: Registry = F.SYNTHETIC) -> np.ndarray:
    """Reason sentences for many applicants' values of one feature (object array).

    Parameters
    ----------
    name:
        The feature.
    values:
        The applicants' values.
    reference:
        The approved applicants' median (quoted where the template asks for it).
    lang:
        ``"en"`` or ``"zh"``.
    registry:
        Where the feature and its reason template are described.

    Returns
    -------
    numpy.ndarray
        One sentence per value.
    """
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_list(),
                       dtype=object)
    template = _template(name, lang, reference, registry)
    head, sep, tail = template.partition("{value}")
    flag = risky_flag_level(name, registry)
    feature = registry.get_feature(name)
    missing = missing_text(name, lang, registry)

    def one(value: Any) -> str:
        if _is_missing(value):
            return missing
        if flag is not None:
            return template if int(value) == flag else VALUES(
                "labelled", lang, label=feature.label(lang),
                value=value_text(name, value, lang, registry))
        return f"{head}{value_text(name, value, lang, registry)}{tail}" if sep else template

    out = np.empty(len(series), dtype=object)
    present = series.notna().to_numpy()
    if (~present).any():
        out[~present] = missing
    if present.any():
        kept = series[present]
        distinct = pd.unique(kept)
        table = {v: one(v) for v in distinct}
        out[present] = kept.map(table).to_numpy(dtype=object)
    return out


def reason_text(name: str, value: Any, reference: Any = None, lang: str = "en",
                registry: Registry = F.SYNTHETIC) -> str:
    """One reason sentence (see :func:`reason_texts`)."""
    return str(reason_texts(name, [value], reference, lang, registry)[0])


def check_langs(lang: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Languages as a tuple, each one of LANGS."""
    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    bad = [x for x in langs if x not in LANGS]
    if bad or not langs:
        raise ConfigError(f"lang must be a subset of {LANGS}, got {lang!r}")
    return langs


def reference_value(reference: Mapping[str, Any] | None, name: str) -> Any:
    return None if reference is None else reference.get(name)
