"""Sentences about the monitoring tables, built from the numbers they describe.

Why: prose that must hold for any seed and size cannot hard-code a direction ("rose",
"earlier", "within"). Each helper here takes the values and picks the words, and is tested
with both signs, so a notebook sentence is wrong only if a number is. The words are the text
catalogue's ``monitor`` section (:mod:`riskkit.texts`); every helper takes ``lang``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskkit.core.narrative import describe_ratio
from riskkit.texts import Words

MONITOR = Words("monitor")


def share(value: float | None, decimals: int = 1, lang: str = "en") -> str:
    """A share as a percentage ("1.2 %"), or "n/a"."""
    return MONITOR("na", lang) if value is None else f"{100 * value:.{decimals}f} %"


def describe_change(before: float, after: float, decimals: int = 1, percent: bool = True,
                    tolerance: float = 0.0, lang: str = "en") -> str:
    """"rose from 1.2 % to 1.8 %", "fell from ...", or "stayed at ..." (``|change| <=
    tolerance``, or the two read the same at ``decimals``: never "fell from 71.0 % to
    71.0 %")."""

    def fmt(x: float) -> str:
        return share(x, decimals, lang) if percent else f"{x:,.{decimals}f}"

    if abs(after - before) <= tolerance or fmt(after) == fmt(before):
        return MONITOR("stayed", lang, after=fmt(after))
    return MONITOR("rose" if after > before else "fell", lang, before=fmt(before),
                   after=fmt(after))


def compare_words(lang: str = "en") -> tuple[str, str, str]:
    """:func:`compare`'s words in the order ``Narrative.pick`` takes them (value above,
    below, the same as its reference)."""
    return MONITOR("higher_than", lang), MONITOR("lower_than", lang), MONITOR("same_as", lang)


def compare(value: float, reference: float, tolerance: float = 0.0, lang: str = "en") -> str:
    """"higher than", "lower than" or "the same as" (within ``tolerance``)."""
    higher, lower, same = compare_words(lang)
    if abs(value - reference) <= tolerance:
        return same
    return higher if value > reference else lower


def fraction_of(value: float, reference: float, tolerance: float = 0.05,
                lang: str = "en") -> str:
    """``value`` as a share of ``reference`` in words (:func:`riskkit.core.narrative.describe_ratio`:
    "about an eighth of", "about 2.5 times", "about the same as", "n/a"); a notebook that
    records its claims calls ``Narrative.ratio`` instead."""
    return describe_ratio(value, reference, tolerance=tolerance, lang=lang)


def months(n: int, lang: str = "en") -> str:
    """"no month", "1 month", "3 months"."""
    return MONITOR("months.none", lang) if n == 0 else MONITOR.plural("months", n, lang)


def risk_words(lang: str = "en") -> tuple[str, str, str]:
    """:func:`riskier`'s words in ``Narrative.pick``'s order (above, below, the same)."""
    return (MONITOR("riskier_than", lang), MONITOR("safer_than", lang),
            MONITOR("as_risky_as", lang))


def riskier(value: float, reference: float, tolerance: float = 0.0, lang: str = "en") -> str:
    """"riskier than", "safer than" or "as risky as" (a PD or a bad rate against another)."""
    riskier_, safer, same = risk_words(lang)
    if abs(value - reference) <= tolerance:
        return same
    return riskier_ if value > reference else safer


def censoring_words(lang: str = "en") -> tuple[str, str, str]:
    """:func:`censoring_clause`'s clauses in ``Narrative.pick``'s order: Kaplan-Meier above
    the complete follow-up (the accounts that left were safer), below it (riskier), equal."""
    return (MONITOR("censoring.differ", lang, side=MONITOR("safer", lang)),
            MONITOR("censoring.differ", lang, side=MONITOR("riskier", lang)),
            MONITOR("censoring.same", lang))


def censoring_clause(censored: float, complete: float, lang: str = "en") -> str:
    """What Kaplan-Meier's gap to the complete follow-up says about the accounts it
    censored: below it, they were riskier than those that stayed; above, safer."""
    safer, riskier_, same = censoring_words(lang)
    if censored == complete:
        return same
    return riskier_ if censored < complete else safer


def describe_lag(lag: int | None, start: int, lang: str = "en") -> str:
    """When a signal fired relative to the change in month ``start``."""
    if lag is None:
        return MONITOR("lag.never", lang, start=start)
    if lag == 0:
        return MONITOR("lag.same", lang, start=start)
    return MONITOR("lag.after", lang, month=start + lag, months=months(lag, lang))


def lag_words(month: int, start: int, lang: str = "en") -> tuple[str, str, str]:
    """:func:`describe_lag`'s phrases for a signal that fired in ``month``, in the order
    ``Narrative.pick`` takes them against ``start``: after it, before it, the same month.
    (Detection counts from ``start``, so "before" is there for a pick that must be able to
    say any side.)"""
    gap = months(abs(int(month) - int(start)), lang)
    return (MONITOR("lag.after", lang, month=month, months=gap),
            MONITOR("lag.before", lang, month=month, months=gap),
            MONITOR("lag.same", lang, start=start))


def describe_false_alarms(count: int, lang: str = "en") -> str:
    """"no false alarm before it" / "1 false alarm before it" / "3 false alarms ..."."""
    if count == 0:
        return MONITOR("false_alarms.none", lang)
    return MONITOR.plural("false_alarms", count, lang)


def join(items: Sequence[str], lang: str = "en") -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return MONITOR("list", lang).join(items[:-1]) + MONITOR("and", lang) + items[-1]


def first_signal_sentence(detection: Sequence[Mapping[str, Any]], start: int,
                          lang: str = "en") -> str:
    """Which signal saw the downturn first, from rows with ``description`` and ``lag``."""
    fired = [row for row in detection if row.get("lag") is not None]
    if not fired:
        return MONITOR("first.none", lang, start=start)
    best = min(int(row["lag"]) for row in fired)
    first = [str(row["description"]) for row in fired if int(row["lag"]) == best]
    when = describe_lag(best, start, lang).removeprefix(MONITOR("fired_prefix", lang))
    return MONITOR.plural("first", len(first), lang, signals=join(first, lang), when=when)


def within_sentence(within: Mapping[str, bool], what: str = "grade", lang: str = "en") -> str:
    """Whether every group's estimate lay inside its interval, naming those that did not."""
    outside = [str(k) for k, ok in within.items() if not ok]
    if not outside:
        return MONITOR("within.all", lang, what=what)
    return MONITOR("within.some", lang, inside=len(within) - len(outside), total=len(within),
                   what=what, outside=join(outside, lang))
