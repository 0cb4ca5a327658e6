"""Sentences about the monitoring tables, built from the numbers they describe.

Why: prose that must hold for any seed and size cannot hard-code a direction ("rose",
"earlier", "within"). Each helper here takes the values and picks the words, and is tested
with both signs, so a notebook sentence is wrong only if a number is. The words are the text
catalogue's ``monitor`` section (:mod:`riskkit.texts`); every helper takes ``lang``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskkit.texts import Words

MONITOR = Words("monitor")
#: The fractions :func:`fraction_of` says in words ("an eighth of"), by denominator.
FRACTIONS: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 10)


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


def compare(value: float, reference: float, tolerance: float = 0.0, lang: str = "en") -> str:
    """"higher than", "lower than" or "the same as" (within ``tolerance``)."""
    if abs(value - reference) <= tolerance:
        return MONITOR("same_as", lang)
    return MONITOR("higher_than" if value > reference else "lower_than", lang)


def fraction_of(value: float, reference: float, tolerance: float = 0.05,
                lang: str = "en") -> str:
    """``value`` as a share of ``reference`` in words: "about an eighth of", "about half
    of", "about 2.5 times", "about the same as" (a ratio within ``tolerance`` of 1);
    "1/14 of" beyond a tenth; "n/a" without a positive reference."""
    if not reference > 0 or not value >= 0:
        return MONITOR("na", lang)
    ratio = value / reference
    if abs(ratio - 1.0) <= tolerance:
        return MONITOR("fraction.same", lang)
    if ratio > 1.0:
        return MONITOR("fraction.times", lang, ratio=f"{ratio:.1f}")
    if ratio == 0.0:
        return MONITOR("fraction.none", lang)
    n = round(1.0 / ratio)
    if n in FRACTIONS:
        return MONITOR("fraction.named", lang, name=MONITOR(f"fraction.{n}", lang))
    return MONITOR("fraction.over", lang, n=n)


def months(n: int, lang: str = "en") -> str:
    """"no month", "1 month", "3 months"."""
    return MONITOR("months.none", lang) if n == 0 else MONITOR.plural("months", n, lang)


def riskier(value: float, reference: float, tolerance: float = 0.0, lang: str = "en") -> str:
    """"riskier than", "safer than" or "as risky as" (a PD or a bad rate against another)."""
    if abs(value - reference) <= tolerance:
        return MONITOR("as_risky_as", lang)
    return MONITOR("riskier_than" if value > reference else "safer_than", lang)


def censoring_clause(censored: float, complete: float, lang: str = "en") -> str:
    """What Kaplan-Meier's gap to the complete follow-up says about the accounts it
    censored: below it, they were riskier than those that stayed; above, safer."""
    if censored == complete:
        return MONITOR("censoring.same", lang)
    side = MONITOR("riskier" if censored < complete else "safer", lang)
    return MONITOR("censoring.differ", lang, side=side)


def describe_lag(lag: int | None, start: int, lang: str = "en") -> str:
    """When a signal fired relative to the change in month ``start``."""
    if lag is None:
        return MONITOR("lag.never", lang, start=start)
    if lag == 0:
        return MONITOR("lag.same", lang, start=start)
    return MONITOR("lag.after", lang, month=start + lag, months=months(lag, lang))


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
