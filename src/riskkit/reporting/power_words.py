"""Sentences about a power study, built from its numbers (notebook 09, en and zh).

Which tests sit at their nominal level, which above or below it, is decided by each rate's
Clopper-Pearson interval (:func:`riskkit.validate.false_alarm_table`); the reason given for
a test off its level is chosen by the direction it is off in, from the mechanisms the
literature names (multiplicity, discreteness, skew, too few expected defaults, a common
factor).
"""

from __future__ import annotations

import pandas as pd

from riskkit.reporting import numbers as fmt
from riskkit.texts import Words

__all__ = ["correlation_sentence", "detectable_sentence", "false_alarm_sentences", "reason"]

POWER = Words("power")
CHARTS = Words("charts")


def reason(test: str, verdict: str, lang: str = "en") -> str:
    """Why a test's false-alarm rate is off its level, for that direction ("" when at it)."""
    if verdict == "at":
        return ""
    if test.endswith("_any"):
        key = "any"
    elif test in ("binomial", "jeffreys", "normal") and verdict == "below":
        key = "holm"
    elif test.startswith("normal"):
        key = "skew"
    elif test.startswith("jeffreys") and verdict == "above":
        key = "jeffreys"
    elif test == "hosmer_lemeshow":
        key = "chi2"
    elif test == "spiegelhalter":
        key = "normal"
    else:
        key = "discrete" if verdict == "below" else "normal"
    return POWER(key, lang)


def false_alarm_sentences(table: pd.DataFrame, alpha: float, lang: str = "en") -> list[str]:
    """One sentence per test: its false-alarm rate at each size and where it sits, with the
    reason when it is off its level (``table``: :func:`riskkit.validate.false_alarm_table`)."""
    out = []
    level = fmt.percent(alpha)
    for test, part in table.groupby("test", sort=False):
        rates = "; ".join(POWER("rate", lang, rate=fmt.percent(r.rate), n=fmt.integer(r.n),
                             low=fmt.percent(r.ci_low), high=fmt.percent(r.ci_high))
                          for r in part.itertuples())
        verdicts = list(dict.fromkeys(part["verdict"]))
        said = [POWER(v, lang, alpha=level) for v in verdicts]
        verdict = said[0] if len(said) == 1 else POWER("mixed", lang,
                                                    verdicts=POWER("or", lang).join(said))
        off = next((v for v in verdicts if v != "at"), "at")
        why = reason(str(test), off, lang)
        sentence = POWER("sentence", lang, test=CHARTS(f"vt.{test}", lang), rates=rates,
                      verdict=verdict)
        out.append(POWER("because", lang, sentence=sentence[:-1], why=why) if why else sentence)
    return out


def correlation_sentence(rates: pd.DataFrame, cells: pd.DataFrame, test: str, rho: float,
                         lang: str = "en") -> str:
    """What a common factor does to ``test``: its rate at the smallest and largest size, and
    the default rate's spread against the binomial's (from the study's cells)."""
    part = rates[(rates["kind"] == "correlation") & (rates["size"] == rho)
                 & (rates["test"] == test)].sort_values("n")
    spread = cells[(cells["kind"] == "correlation") & (cells["size"] == rho)].sort_values("n")
    small, large = part.iloc[0], part.iloc[-1]
    top = spread.iloc[-1]
    return POWER("correlation", lang, rho=fmt.sig(rho), test=CHARTS(f"vt.{test}", lang),
              small=fmt.percent(small["rate"]), n_small=fmt.integer(small["n"]),
              large=fmt.percent(large["rate"]), n_large=fmt.integer(large["n"]),
              sd=fmt.percent(top["dr_sd"]), theory=fmt.percent(top.get("theory_sd")),
              binomial=fmt.percent(top["binomial_sd"]))


def detectable_sentence(row: pd.Series, n: int, lang: str = "en") -> str:
    """A row of :func:`riskkit.validate.detectable` in words."""
    smallest, largest = row["smallest"], row["largest_studied"]
    if smallest is not None and not pd.isna(smallest):
        what = POWER("detect.found", lang, x=fmt.percent(smallest), n=fmt.integer(n))
    elif largest is not None and not pd.isna(largest):
        what = POWER("detect.none", lang, x=fmt.percent(largest), n=fmt.integer(n))
    else:
        what = POWER("detect.never", lang, n=fmt.integer(n))
    return POWER("detect", lang, test=CHARTS(f"vt.{row['test']}", lang), what=what)
