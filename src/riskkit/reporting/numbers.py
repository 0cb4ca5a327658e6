"""Numbers as a reader wants them: percentages, thousands separators, 3-4 significant digits.

One small module so that every figure in the report is written the same way: a rate is
always ``71.4%`` (never ``0.7135``), a count always ``12,000``, a tiny error ``4.00 × 10⁻¹⁵``
(never ``3.9968e-15``), and a metric key decides its format once, here, not in each
section. Plain functions over floats; the language only changes the unit words (``pp`` /
``个百分点``, ``CNY`` / ``元``), since Chinese financial writing uses the same digits,
decimal point and comma separators.

Why not :mod:`babel` or :func:`locale`: both format per locale but neither knows
significant digits, percentage points or "a PD is a percentage"; the rules below are the
report's house style and fit in a few lines.
"""

from __future__ import annotations

import math
from typing import Any

from riskkit.texts import Words

__all__ = ["DASH", "humanise", "integer", "metric", "money", "number", "percent", "pp", "sig"]

#: What an absent value prints as.
DASH = "–"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Keys (or key suffixes) whose values are probabilities or shares: shown in percent.
_PERCENT_WORDS = ("rate", "share", "pd", "tpr", "fpr", "fidelity", "capture", "target", "top1",
                  "top2", "top3", "top4", "first", "agreement", "same", "raise")
#: Keys shown with 4 significant digits (ranking metrics compared in the 3rd decimal).
_FOUR_DIGITS = ("auc", "gini", "ks", "brier", "log_loss", "auc_all", "auc_rejects")
_COUNT_KEYS = ("n", "n_rows", "n_denied", "rows", "count", "approved", "applicants", "seed",
               "ece_bins", "bads")
_ACRONYMS = {"roc": "ROC", "ks": "KS", "psi": "PSI", "csi": "CSI", "pdp": "PDP", "ice": "ICE",
             "shap": "SHAP", "lgbm": "LightGBM", "auc": "AUC", "pd": "PD", "woe": "WoE",
             "ece": "ECE", "oot": "OOT", "tpr": "TPR", "fpr": "FPR"}
REPORT = Words("report")


def _bad(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def sig(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, thousands separators, no exponent junk.

    Parameters
    ----------
    value : float
        Any finite number.
    digits : int
        Significant digits kept (3 or 4 in the report).

    Returns
    -------
    str
        ``0.8096`` (4), ``0.0387``, ``12,000`` (integers from 1,000 up keep every digit:
        rounding a count or an amount to 3 digits would misstate it), ``4.00 × 10⁻¹⁵`` below
        0.0001, ``–`` for None / NaN.
    """
    if _bad(value):
        return DASH
    x = float(value)
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{round(x):,}"
    if abs(x) < 1e-4:
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    rounded = float(f"{x:.{digits - 1}e}")  # round first: 0.09996 -> 0.1000, 99.996 -> 100
    if abs(rounded) >= 10 ** (digits - 1):
        return f"{round(rounded):,}"
    decimals = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0)
    return f"{rounded:.{decimals}f}"


def number(value: float, digits: int = 3) -> str:
    """Alias of :func:`sig` for readability at call sites (``number(psi)``)."""
    return sig(value, digits)


def percent(value: float, digits: int = 3) -> str:
    """A share in percent with ``digits`` significant digits: ``71.4%``, ``1.79%``, ``100%``.

    Parameters
    ----------
    value : float
        A share, 0.7135 for 71.35 %.
    digits : int
        Significant digits of the percentage.

    Returns
    -------
    str
        The percentage, or ``–`` for None / NaN.
    """
    if _bad(value):
        return DASH
    x = float(value) * 100
    if x == 0:
        return "0%"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}%"
    return f"{sig(x, digits)}%"


def pp(value: float, lang: str = "en", digits: int = 3) -> str:
    """A difference of two shares in percentage points: ``0.59 pp`` / ``0.59个百分点``."""
    if _bad(value):
        return DASH
    return REPORT("fmt.pp", lang, value=sig(float(value) * 100, digits))


def integer(value: float) -> str:
    """A count with thousands separators: ``12,000``."""
    return DASH if _bad(value) else f"{round(float(value)):,}"


def money(value: float, lang: str = "en") -> str:
    """An amount in yuan, whole units with separators: ``9,965 CNY`` / ``9,965元``."""
    return DASH if _bad(value) else REPORT("fmt.money", lang, value=f"{round(float(value)):,}")


def metric(key: str, value: Any, lang: str = "en", yes_no: tuple[str, str] = ("yes", "no")) -> str:
    """Any metrics.json value, formatted by what its key says it is.

    Parameters
    ----------
    key : str
        The metric's key (``approval_rate``, ``auc``, ``ece``, ``mean_credit_line``, ...):
        rates, shares and PDs print in percent, ECE in percentage points, AUC/Gini/KS with
        4 significant digits, counts and money with separators, anything else with 3.
    value : Any
        The value; strings and lists pass through (lists joined by commas).
    lang : str
        ``en`` or ``zh`` (unit words only).
    yes_no : tuple of str
        The words for True and False in ``lang``.

    Returns
    -------
    str
        The formatted value.
    """
    if _bad(value):
        return DASH
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, (list, tuple)):
        return ", ".join(metric(key, v, lang, yes_no) for v in value)
    if not isinstance(value, (int, float)):
        return str(value)
    last = key.rsplit(".", 1)[-1]
    if last.startswith("ece") and not last.endswith("bins"):
        return pp(value, lang)
    words = last.split("_")
    if "line" in words and not {"per", "ratio"} & set(words):  # credit_line, mean_line
        return money(value, lang)  # (never "decline"; a line per yuan of income is a ratio)
    if last in _COUNT_KEYS or last.startswith("n_"):
        return integer(value)
    if last in _FOUR_DIGITS:
        return sig(value, 4)
    if any(w in words for w in _PERCENT_WORDS) and abs(float(value)) <= 1:
        return percent(value)
    return sig(value, 3)


def as_number(value: Any) -> float | None:
    """``value`` as a float when it is a number (not a bool), else None: metrics.json may
    hold None, a string or a flag where a figure was not computed."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def humanise(key: str) -> str:
    """A key no catalogue entry covers, made readable: ``csi_max_feature`` -> "CSI max feature".

    Used only for names the run invented (a new metric, a user's column): the report still
    shows it, without underscores, until the catalogue learns its words.
    """
    words = [_ACRONYMS.get(w.lower(), w) for w in str(key).replace(".", " ").split("_")]
    out = " ".join(w for w in words if w)
    return out[:1].upper() + out[1:]
