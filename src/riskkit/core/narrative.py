"""Sentences from numbers: the words that state a direction or a comparison, chosen by the values.

The words themselves live in the text catalogue (section ``narrative`` of
``riskkit/texts/en.yaml`` and ``zh.yaml``); this module only chooses among them.

Why: a notebook's prose must hold for any seed and size, so a sentence that says "rose",
"beats" or "under-predicts" cannot be typed ahead of the numbers it describes. Every such
word comes from one of the functions here, which look at the values and pick it:

* :func:`describe_change` -- "rose from 1.2 % to 1.8 %", "fell from ...", "stayed at ...";
* :func:`describe_comparison` -- "LightGBM (0.783) loses to the scorecard (0.785)", with
  "beats" and "ties with" (within a tolerance, or when both read the same when printed);
* :func:`describe_gap` -- "under-predicts it by 2.9 points", "over-predicts ...",
  "predicts it to within 0.1 points": a prediction against the truth, the sign spelt out,
  never a minus sign in front of a word that already says which way;
* :func:`describe_ratio` -- "about an eighth of", "about 2.5 times", "about the same as":
  one figure as a share of another;
* :func:`interval_word` -- where an interval sits against a level (above it, below it, or
  containing it): a rate's verdict by its confidence interval, not by its point.

:class:`Narrative` does the same and keeps a record of every claim (its words, its numbers,
the table they came from), so a test can re-read an executed notebook and check that no
sentence contradicts the numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from riskkit.texts import Words, check_lang

__all__ = ["NARRATIVE", "NOT_MEASURED", "RATIO_FRACTIONS", "Claim", "Narrative", "band_word",
           "change_word", "comparison_word",
           "describe_change", "describe_comparison", "describe_gap", "describe_ratio", "fmt",
           "gap_word", "interval_word", "measured", "pick_word", "ratio_word"]

#: The catalogue section holding the words (``texts/en.yaml`` and ``zh.yaml``, ``narrative``).
NARRATIVE = Words("narrative")


def _key(word: str) -> str:
    """The catalogue key of a word (``"loses to"`` -> ``loses_to``)."""
    return word.replace(" ", "_").replace("-", "_")


def fmt(value: float, unit: str = "%", decimals: int = 1, lang: str = "en") -> str:
    """A number as a sentence quotes it.

    ``unit="%"``: a share (0.012 -> "1.2 %"); ``"pp"``: a difference of shares in percentage
    points (0.029 -> "2.9 points", in ``lang``); ``""``: a plain number ("0.7827"); any other
    unit is written after the number ("1,200 CNY").
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "%":
        return f"{100 * value:.{decimals}f} %"
    if unit == "pp":
        return NARRATIVE("points", lang, n=f"{100 * value:.{decimals}f}")
    text = f"{value:,.{decimals}f}"
    return f"{text} {unit}" if unit else text


def _same(a: float, b: float, unit: str, decimals: int, tolerance: float) -> bool:
    """Equal within ``tolerance``, or equal as printed: never "fell from 71.0 % to 71.0 %"."""
    return abs(b - a) <= tolerance or fmt(a, unit, decimals) == fmt(b, unit, decimals)


def change_word(before: float, after: float, *, unit: str = "%", decimals: int = 1,
                tolerance: float = 0.0) -> str:
    """``"rose"``, ``"fell"`` or ``"stayed"`` for a move from ``before`` to ``after``."""
    if _same(before, after, unit, decimals, tolerance):
        return "stayed"
    return "rose" if after > before else "fell"


def describe_change(before: float, after: float, *, unit: str = "%", decimals: int = 1,
                    tolerance: float = 0.0, lang: str = "en") -> str:
    """"rose from 1.2 % to 1.8 %", "fell from 1.8 % to 1.2 %" or "stayed at 1.8 %".

    Parameters
    ----------
    before, after : float
        The two values, in the order of time.
    unit : str
        How both are printed (:func:`fmt`): ``"%"`` for shares.
    decimals : int
        Decimals printed; two values that print the same "stayed".
    tolerance : float
        A move within it is no move.
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    word = change_word(before, after, unit=unit, decimals=decimals, tolerance=tolerance)
    return NARRATIVE(_key(word), check_lang(lang), a=fmt(before, unit, decimals, lang),
                 b=fmt(after, unit, decimals, lang))


def comparison_word(value: float, other: float, *, higher_is_better: bool = True,
                    unit: str = "", decimals: int = 4, tolerance: float = 0.0) -> str:
    """``"beats"``, ``"loses to"`` or ``"ties with"``: ``value`` against ``other``."""
    if _same(value, other, unit, decimals, tolerance):
        return "ties with"
    return "beats" if (value > other) == higher_is_better else "loses to"


def describe_comparison(name: str, value: float, other_name: str, other: float, *,
                        higher_is_better: bool = True, unit: str = "", decimals: int = 4,
                        tolerance: float = 0.0, lang: str = "en") -> str:
    """"LightGBM (0.7827) loses to the scorecard (0.7847)", or "beats", or "ties with".

    Parameters
    ----------
    name, other_name : str
        What is compared ("LightGBM", "the scorecard").
    value, other : float
        Their figures.
    higher_is_better : bool
        True for an AUC, False for a bad rate or a loss.
    unit, decimals : str, int
        How both are printed.
    tolerance : float
        A difference within it is a tie (so is one that does not show when printed).
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    word = comparison_word(value, other, higher_is_better=higher_is_better, unit=unit,
                           decimals=decimals, tolerance=tolerance)
    return NARRATIVE(_key(word), check_lang(lang), x=name, y=other_name, a=fmt(value, unit, decimals, lang),
                 b=fmt(other, unit, decimals, lang))


def gap_word(predicted: float, actual: float, *, unit: str = "pp", decimals: int = 1,
             tolerance: float = 0.0) -> str:
    """``"under-predicts"``, ``"over-predicts"`` or ``"matches"`` (within the tolerance)."""
    if _same(predicted, actual, unit, decimals, tolerance):
        return "matches"
    return "under-predicts" if predicted < actual else "over-predicts"


def describe_gap(predicted: float, actual: float, *, what: str = "", unit: str = "pp",
                 decimals: int = 1, tolerance: float = 0.0, lang: str = "en") -> str:
    """"under-predicts its rejects' PD by 2.9 points", "over-predicts ...", or "predicts
    ... to within 0.1 points": the size of the gap, its direction in the verb.

    Parameters
    ----------
    predicted, actual : float
        A model's figure and the truth's (or the outcome's).
    what : str
        What is predicted ("its rejects' PD"); empty for none.
    unit : str
        How the gap is printed: ``"pp"`` (percentage points, the default for PDs), ``"%"``
        or a plain unit.
    decimals : int
    tolerance : float
        A gap within it "matches".
    lang : {"en", "zh"}

    Returns
    -------
    str
    """
    word = gap_word(predicted, actual, unit=unit, decimals=decimals, tolerance=tolerance)
    size = abs(predicted - actual)
    if word == "matches":
        size = max(size, 10.0 ** -decimals / (100 if unit in ("%", "pp") else 1))
    spaced = f"{what} " if what and lang == "en" else what
    return NARRATIVE(_key(word), check_lang(lang), what=spaced, d=fmt(size, unit, decimals, lang))


#: The fractions :func:`describe_ratio` names in words ("an eighth of"), by denominator.
RATIO_FRACTIONS: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 10)


def ratio_word(value: float, reference: float, *, tolerance: float = 0.05) -> str:
    """What :func:`describe_ratio` says, as a key: ``"same"`` (a ratio within ``tolerance``
    of 1), ``"times"`` (above), ``"none"`` (zero), ``"1/n"`` (the nearest fraction, n > 1),
    ``"percent"`` (between about two thirds and the tolerance), ``"n/a"`` (no positive
    reference)."""
    if not reference > 0 or not value >= 0:
        return "n/a"
    ratio = value / reference
    if abs(ratio - 1.0) <= tolerance:
        return "same"
    if ratio > 1.0:
        return "times"
    if ratio == 0.0:
        return "none"
    n = round(1.0 / ratio)
    return "percent" if n == 1 else f"1/{n}"


def describe_ratio(value: float, reference: float, *, tolerance: float = 0.05,
                   lang: str = "en") -> str:
    """``value`` as a share of ``reference`` in words: "about an eighth of", "about half of",
    "about 2.5 times", "about the same as" (a ratio within ``tolerance`` of 1), "about 80 %
    of" between two thirds and that, "about 1/14 of" beyond a tenth, "n/a" without a
    positive reference.

    Why words and not the ratio: "about an eighth of its true PD" is what a reader keeps;
    the figures themselves stand beside it in the sentence.
    """
    word = ratio_word(value, reference, tolerance=tolerance)
    lang = check_lang(lang)
    if word in ("n/a", "same", "none"):
        return NARRATIVE({"n/a": "na", "same": "ratio.same", "none": "ratio.none"}[word], lang)
    ratio = value / reference
    if word == "times":
        return NARRATIVE("ratio.times", lang, ratio=f"{ratio:.1f}")
    if word == "percent":
        return NARRATIVE("ratio.percent", lang, pct=fmt(ratio, "%", 0, lang))
    n = int(word[2:])
    if n in RATIO_FRACTIONS:
        return NARRATIVE("ratio.named", lang, name=NARRATIVE(f"ratio.{n}", lang))
    return NARRATIVE("ratio.over", lang, n=n)


#: The word of a verdict whose numbers were not measured (a NaN, an infinity or None).
NOT_MEASURED = "n/a"


def measured(*values: Any) -> bool:
    """Whether every value is a finite number: a verdict on a NaN is none.

    Why: every comparison with a NaN is False, so a chooser that falls through to its last
    branch would call a rate nobody measured "bad" or "less often than"; the choosers below
    say :data:`NOT_MEASURED` instead, and :func:`riskkit.reporting.narration.check_claims`
    calls for the same.
    """
    try:
        return all(math.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


def interval_word(low: float, high: float, level: float, words: tuple[str, str, str]) -> str:
    """``words[0]`` when the interval ``[low, high]`` lies above ``level`` (``low > level``),
    ``words[1]`` when below (``high < level``), ``words[2]`` when it contains the level;
    :data:`NOT_MEASURED` when any of the three is not a finite number.

    Why the interval and not the point: a false-alarm rate of 6.1 % measured on 200 samples
    is not "above 5 %" when its interval reaches down to 3 %.
    """
    if not measured(low, high, level):
        return NOT_MEASURED
    if low > level:
        return words[0]
    if high < level:
        return words[1]
    return words[2]


def band_word(value: float, low: float, high: float, words: tuple[str, str, str], *,
              low_inclusive: bool = False) -> str:
    """``words[0]`` when ``value`` is below ``low`` (at it too, ``low_inclusive``),
    ``words[1]`` up to ``high`` inclusive, ``words[2]`` above: a verdict against two edges;
    :data:`NOT_MEASURED` when any of the three is not a finite number."""
    if not measured(value, low, high):
        return NOT_MEASURED
    if value < low or (low_inclusive and value == low):
        return words[0]
    return words[1] if value <= high else words[2]


def pick_word(value: float, reference: float, words: tuple[str, str, str], *,
              tolerance: float = 0.0, unit: str = "", decimals: int = 4,
              printed: tuple[str, str] | None = None) -> str:
    """:meth:`Narrative.pick`'s choice: ``words[0]`` when ``value`` is above ``reference``,
    ``words[1]`` below, ``words[2]`` the same (within ``tolerance`` or as printed; given
    ``printed``, exactly when the two strings are equal); :data:`NOT_MEASURED` when either is
    not a finite number."""
    if not measured(value, reference):
        return NOT_MEASURED
    if printed is not None:
        same = str(printed[0]) == str(printed[1])
    else:
        same = _same(reference, value, unit, decimals, tolerance)
    return words[2] if same else words[0] if value > reference else words[1]


def _texts(words: tuple[str, ...], say: Callable[[str], str] | None) -> dict[str, str] | None:
    """The sentence each word would give (every one rendered, so a missing catalogue key
    fails whichever way the numbers fall), or None without ``say``."""
    return None if say is None else {w: say(w) for w in dict.fromkeys(words)}


@dataclass(frozen=True)
class Claim:
    """One sentence's claim: its kind and word, the numbers it rests on, and where they came
    from (``table``: the name a :meth:`Narrative.table` recorded, or None)."""

    kind: str
    word: str
    text: str
    values: tuple[float, ...]
    options: Mapping[str, Any]
    table: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["values"] = [float(v) for v in self.values]
        out["options"] = dict(self.options)
        return out


class Narrative:
    """The sentence helpers, each call recorded as a :class:`Claim`.

    A notebook makes one, builds every sentence that states a direction or a comparison with
    it, registers the tables those sentences read (:meth:`table`), and publishes the record
    at the end (:func:`riskkit.reporting.narration.publish_claims`), where a test re-checks
    every word against its numbers and every number against its table.
    """

    def __init__(self, lang: str = "en") -> None:
        check_lang(lang)
        self.lang = lang
        self.claims: list[Claim] = []
        self.tables: dict[str, list[float]] = {}

    def _record(self, kind: str, word: str, text: str, values: tuple[float, ...],
                options: dict[str, Any], table: str | None) -> str:
        if table is not None and table not in self.tables:
            raise KeyError(f"no table {table!r} recorded; recorded: {', '.join(self.tables) or 'none'}")
        self.claims.append(Claim(kind, word, text, tuple(float(v) for v in values), options, table))
        return text

    def _texts(self, words: tuple[str, ...], say: Callable[[str], str] | None,
               word: str) -> dict[str, str] | None:
        """:func:`_texts`, with the not-measured words (in this language) when ``word`` is
        :data:`NOT_MEASURED`: a caller's ``say`` need not know that word."""
        texts = _texts(words, say)
        if texts is not None and word == NOT_MEASURED and word not in words:
            texts[word] = NARRATIVE("na", self.lang)
        return texts

    def _text(self, word: str, texts: dict[str, str] | None) -> str:
        """The claim's text: its word's sentence, its word itself, or "n/a" in this language."""
        if texts is not None:
            return texts[word]
        return NARRATIVE("na", self.lang) if word == NOT_MEASURED else word

    def table(self, frame: Any, name: str) -> Any:
        """Record the numbers of ``frame`` (a DataFrame or Series) as table ``name``; return it."""
        # every cell that is a number, whatever its column's dtype: a frame assembled from
        # rows (``frame.iloc[-1]`` of several runs) holds its numbers in object columns
        values = []
        for v in getattr(frame, "to_numpy", lambda: frame)().ravel().tolist():
            if isinstance(v, bool) or not hasattr(v, "__float__"):
                continue
            try:
                number = float(v)
            except (TypeError, ValueError):
                continue
            if number == number:
                values.append(number)
        self.tables[name] = values
        return frame

    def change(self, before: float, after: float, *, unit: str = "%", decimals: int = 1,
               tolerance: float = 0.0, table: str | None = None) -> str:
        """:func:`describe_change`, recorded."""
        text = describe_change(before, after, unit=unit, decimals=decimals, tolerance=tolerance,
                               lang=self.lang)
        word = change_word(before, after, unit=unit, decimals=decimals, tolerance=tolerance)
        return self._record("change", word, text, (before, after),
                            {"unit": unit, "decimals": decimals, "tolerance": tolerance}, table)

    def compare(self, name: str, value: float, other_name: str, other: float, *,
                higher_is_better: bool = True, unit: str = "", decimals: int = 4,
                tolerance: float = 0.0, table: str | None = None) -> str:
        """:func:`describe_comparison`, recorded."""
        text = describe_comparison(name, value, other_name, other,
                                   higher_is_better=higher_is_better, unit=unit,
                                   decimals=decimals, tolerance=tolerance, lang=self.lang)
        word = comparison_word(value, other, higher_is_better=higher_is_better, unit=unit,
                               decimals=decimals, tolerance=tolerance)
        return self._record("compare", word, text, (value, other),
                            {"unit": unit, "decimals": decimals, "tolerance": tolerance,
                             "higher_is_better": higher_is_better}, table)

    def gap(self, predicted: float, actual: float, *, what: str = "", unit: str = "pp",
            decimals: int = 1, tolerance: float = 0.0, table: str | None = None) -> str:
        """:func:`describe_gap`, recorded."""
        text = describe_gap(predicted, actual, what=what, unit=unit, decimals=decimals,
                            tolerance=tolerance, lang=self.lang)
        word = gap_word(predicted, actual, unit=unit, decimals=decimals, tolerance=tolerance)
        return self._record("gap", word, text, (predicted, actual),
                            {"unit": unit, "decimals": decimals, "tolerance": tolerance}, table)

    def pick(self, value: float, reference: float, words: tuple[str, str, str], *,
             tolerance: float = 0.0, unit: str = "", decimals: int = 4,
             table: str | None = None, say: Callable[[str], str] | None = None,
             printed: tuple[str, str] | None = None) -> str:
        """One of three words of the caller's own, chosen by the numbers: ``words[0]`` when
        ``value`` is above ``reference``, ``words[1]`` when below, ``words[2]`` when the
        same (within ``tolerance``, or as printed). E.g. ``("grows", "shrinks", "does not
        change")``. Recorded like the others.

        ``printed``: the two numbers as the sentence prints them (``value``'s, then
        ``reference``'s). Given, they decide sameness alone: the same exactly when the two
        strings are equal, so the word agrees with what the reader sees ("matches: 12.3 %
        against 12.3 %", never "over-predicts ... 12.3 % against 12.3 %"); both strings are
        recorded, and :func:`riskkit.reporting.narration.check_claims` decides again from them.

        ``say`` turns the chosen word into the sentence that is returned and recorded as
        the claim's text: the run report's words are catalogue keys of whole sentences
        (``disc.oot_up``), each with its own figures. The sentence every word would give is
        recorded too (``options["texts"]``), so a check can tell a text that does not match
        its word.

        A NaN (or infinite) value or reference is no verdict: the word is
        :data:`NOT_MEASURED`, its text "n/a" in this language (also :meth:`band`,
        :meth:`interval`)."""
        word = pick_word(value, reference, words, tolerance=tolerance, unit=unit,
                         decimals=decimals, printed=printed)
        options: dict[str, Any] = {"unit": unit, "decimals": decimals, "tolerance": tolerance,
                                   "words": list(words)}
        if printed is not None:
            options["printed"] = [str(printed[0]), str(printed[1])]
        texts = self._texts(words, say, word)
        if texts is not None:
            options["texts"] = texts
        return self._record("pick", word, self._text(word, texts), (value, reference),
                            options, table)

    def band(self, value: float, low: float, high: float, words: tuple[str, str, str], *,
             low_inclusive: bool = False, table: str | None = None,
             say: Callable[[str], str] | None = None) -> str:
        """One of three words for ``value`` against two edges: ``words[0]`` below ``low``
        (or at it, ``low_inclusive``), ``words[1]`` up to ``high`` inclusive, ``words[2]``
        above: a verdict such as ("stable", "watch", "shift"), one claim with the value and
        both edges. ``say`` as :meth:`pick` (every word's sentence recorded)."""
        word = band_word(value, low, high, words, low_inclusive=low_inclusive)
        texts = self._texts(words, say, word)
        return self._record("band", word, self._text(word, texts), (value, low, high),
                            {"words": list(words), "low_inclusive": low_inclusive,
                             **({"texts": texts} if texts else {})}, table)

    def ratio(self, value: float, reference: float, *, tolerance: float = 0.05,
              table: str | None = None) -> str:
        """:func:`describe_ratio`, recorded (its word: :func:`ratio_word`'s key)."""
        text = describe_ratio(value, reference, tolerance=tolerance, lang=self.lang)
        word = ratio_word(value, reference, tolerance=tolerance)
        return self._record("ratio", word, text, (value, reference), {"tolerance": tolerance},
                            table)

    def interval(self, low: float, high: float, level: float, words: tuple[str, str, str], *,
                 table: str | None = None, say: Callable[[str], str] | None = None) -> str:
        """One of three words of the caller's own, chosen by where the interval ``[low,
        high]`` sits against ``level`` (:func:`interval_word`): e.g. ("above the nominal
        5 %", "below ...", "at ..."). ``level`` is a setting, not a table's figure: it is
        recorded with the options, and only the interval's ends are looked up. ``say`` as
        :meth:`pick`."""
        word = interval_word(low, high, level, words)
        texts = self._texts(words, say, word)
        return self._record("interval", word, self._text(word, texts), (low, high),
                            {"level": level, "words": list(words),
                             **({"texts": texts} if texts else {})}, table)

    def record(self) -> dict[str, Any]:
        """Every claim and table, JSON-ready."""
        return {"claims": [c.to_dict() for c in self.claims], "tables": dict(self.tables)}
