"""Sentences about a power study, built from its numbers (notebook 09, en and zh).

Which tests sit at their nominal level, which above or below it, is decided by each rate's
Clopper-Pearson interval (:func:`riskkit.validate.false_alarm_table`); the reason given for
a test off its level is chosen by the direction it is off in, from the mechanisms the
literature names (multiplicity, discreteness, skew, too few expected defaults, a common
factor).

Each function takes an optional :class:`riskkit.core.narrative.Narrative` (``say``): the
verdicts and directions are then recorded as claims, with the tables they read registered
under ``name``, so notebook 09's claims check re-reads every verdict from its interval.
Without one, a private Narrative chooses the same words.
"""

from __future__ import annotations

import pandas as pd

from riskkit.core.narrative import Narrative
from riskkit.reporting import numbers as fmt
from riskkit.texts import Words

__all__ = ["correlation_sentence", "detectable_sentence", "false_alarm_sentences",
           "level_words", "reason"]

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


def level_words(alpha: float, lang: str = "en") -> tuple[str, str, str]:
    """"above / below / at the nominal 5 %", in the order ``Narrative.interval`` takes them."""
    level = fmt.percent(alpha)
    return (POWER("above", lang, alpha=level), POWER("below", lang, alpha=level),
            POWER("at", lang, alpha=level))


def false_alarm_sentences(table: pd.DataFrame, alpha: float, lang: str = "en",
                          say: Narrative | None = None, name: str = "false_alarms") -> list[str]:
    """One sentence per test: its false-alarm rate at each size and where it sits, with the
    reason when it is off its level (``table``: :func:`riskkit.validate.false_alarm_table`).

    Each size's verdict is chosen from its interval (``say.interval``: above the level when
    the whole interval is, below when the whole interval is, at it otherwise), recorded
    against ``table`` registered as ``name``.
    """
    say = say or Narrative(lang)
    say.table(table, name)
    words = level_words(alpha, lang)
    key = dict(zip(words, ("above", "below", "at"), strict=True))
    out = []
    for test, part in table.groupby("test", sort=False):
        rates = "; ".join(POWER("rate", lang, rate=fmt.percent(r.rate), n=fmt.integer(r.n),
                             low=fmt.percent(r.ci_low), high=fmt.percent(r.ci_high))
                          for r in part.itertuples())
        said = list(dict.fromkeys(say.interval(r.ci_low, r.ci_high, alpha, words, table=name)
                                  for r in part.itertuples()))
        verdicts = [key[v] for v in said]
        verdict = said[0] if len(said) == 1 else POWER("mixed", lang,
                                                    verdicts=POWER("or", lang).join(said))
        off = next((v for v in verdicts if v != "at"), "at")
        why = reason(str(test), off, lang)
        sentence = POWER("sentence", lang, test=CHARTS(f"vt.{test}", lang), rates=rates,
                      verdict=verdict)
        out.append(POWER("because", lang, sentence=sentence[:-1], why=why) if why else sentence)
    return out


def correlation_sentence(rates: pd.DataFrame, cells: pd.DataFrame, test: str, rho: float,
                         lang: str = "en", say: Narrative | None = None,
                         name: str = "correlation") -> str:
    """What a common factor does to ``test``: how its false-alarm rate moved from the
    smallest to the largest size (one figure when the study has one size), and the default
    rate's spread at the largest size as a share of the binomial spread the test assumes.

    The rates (``rates`` rows of this test and ``rho``) are registered as ``name``, the
    spreads (``cells`` rows) as ``name + "_spread"``; the move and the ratio are claims.
    """
    say = say or Narrative(lang)
    part = say.table(rates[(rates["kind"] == "correlation") & (rates["size"] == rho)
                           & (rates["test"] == test)].sort_values("n"), name)
    spread = say.table(cells[(cells["kind"] == "correlation") & (cells["size"] == rho)]
                       .sort_values("n"), f"{name}_spread")
    small, large = part.iloc[0], part.iloc[-1]
    top = spread.iloc[-1]
    label = CHARTS(f"vt.{test}", lang)
    if len(part) > 1:
        flags = POWER("correlation.rates", lang, rho=fmt.sig(rho), test=label,
                      change=say.change(small["rate"], large["rate"], table=name),
                      n_small=fmt.integer(small["n"]), n_large=fmt.integer(large["n"]))
    else:
        flags = POWER("correlation.rate", lang, rho=fmt.sig(rho), test=label,
                      rate=fmt.percent(large["rate"]), n=fmt.integer(large["n"]))
    return flags + POWER("correlation.spread", lang, n=fmt.integer(top["n"]),
                         sd=fmt.percent(top["dr_sd"]), theory=fmt.percent(top.get("theory_sd")),
                         ratio=say.ratio(top["dr_sd"], top["binomial_sd"],
                                         table=f"{name}_spread"),
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
