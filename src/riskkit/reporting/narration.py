"""A notebook's claims, published where a test can read them back.

Every sentence of a notebook that states a direction or a comparison is built with a
:class:`riskkit.core.narrative.Narrative`, which records each claim with its numbers and
the table they came from. :func:`publish_claims` writes that record into the executed
notebook as one output of its own MIME type (the last cell, tagged ``remove_cell`` so the
code-free HTML never shows it); :func:`read_claims` reads it back from an executed
notebook, so ``tests/test_notebook_claims.py`` can check every word against its numbers.

:func:`as_table` is the other half of a readable notebook: a pandas Series shown as the
last line of a cell prints as ``Name: ..., dtype: float64`` in the HTML; as a one-column
frame it is a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.narrative import (
    NOT_MEASURED,
    Narrative,
    band_word,
    change_word,
    comparison_word,
    gap_word,
    interval_word,
    measured,
    ratio_word,
)

__all__ = ["CLAIMS_MIME", "as_table", "check_claims", "markdown_outputs", "numbers_table",
           "publish_claims", "read_claims"]

#: The MIME type of the claims output (JSON). No renderer knows it, so nothing shows it.
CLAIMS_MIME = "application/vnd.riskkit.claims+json"


def publish_claims(narrative: Narrative) -> dict[str, Any]:
    """Display the narrative's record as an output of type :data:`CLAIMS_MIME`; return it.

    Outside IPython nothing is displayed (the record is still returned).
    """
    record = narrative.record()
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with the notebooks extra
        return record
    if get_ipython() is not None:
        display({CLAIMS_MIME: record}, raw=True)
    return record


def read_claims(nb: Any) -> list[dict[str, Any]]:
    """Every claims record of an executed notebook (an nbformat node), in cell order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if CLAIMS_MIME in data:
                found.append(dict(data[CLAIMS_MIME]))
    return found


def _word(claim: dict[str, Any]) -> str:
    """The word a claim's numbers call for, chosen again from its values and options."""
    o, values = claim["options"], claim["values"]
    if claim["kind"] in ("pick", "band", "interval") and not measured(*values,
                                                                      o.get("level", 0.0)):
        return NOT_MEASURED  # a verdict on a NaN is none (riskkit.core.narrative.measured)
    if claim["kind"] == "band":
        return band_word(*values, tuple(o["words"]), low_inclusive=o["low_inclusive"])
    a, b = values
    if claim["kind"] == "ratio":
        return ratio_word(a, b, tolerance=o["tolerance"])
    if claim["kind"] == "interval":
        return interval_word(a, b, o["level"], tuple(o["words"]))
    common = {"unit": o["unit"], "decimals": o["decimals"], "tolerance": o["tolerance"]}
    if claim["kind"] == "change":
        return change_word(a, b, **common)
    if claim["kind"] == "compare":
        return comparison_word(a, b, higher_is_better=o["higher_is_better"], **common)
    if claim["kind"] == "gap":
        return gap_word(a, b, **common)
    if claim["kind"] == "pick" and o.get("printed") is not None:
        shown = o["printed"]  # the same exactly when printed the same
        return o["words"][2 if shown[0] == shown[1] else 0 if a > b else 1]
    if claim["kind"] == "pick":
        probe = change_word(b, a, **common)  # "rose": value above reference
        return o["words"][{"rose": 0, "fell": 1, "stayed": 2}[probe]]
    raise ValueError(f"unknown claim kind {claim['kind']!r}")


def check_claims(record: dict[str, Any], rel: float = 1e-9) -> list[str]:
    """Every way a notebook's claims contradict their numbers, one line each (empty: none).

    A claim is contradicted when its word is not the one its values call for (the values
    re-read, the word chosen again; a pick that recorded its numbers as printed is the same
    exactly when they print the same), when its text is not the sentence its word gives
    (claims that recorded every word's sentence, ``options["texts"]``), or when a value it
    quotes is not in the table it names (a zero reference, as in "under-predicts by", need
    not be). Why not trust the helper:
    the record is what the executed notebook published, so this checks the notebook as it
    ran, including a sentence built from the wrong column.

    Parameters
    ----------
    record : dict
        One :func:`read_claims` record (``claims`` and ``tables``).
    rel : float
        Relative tolerance for finding a value in its table.

    Returns
    -------
    list of str
    """
    problems = []
    tables = record.get("tables", {})
    for claim in record.get("claims", []):
        expected = _word(claim)
        if expected != claim["word"]:
            problems.append(f"{claim['text']!r}: says {claim['word']!r}, its numbers "
                            f"{claim['values']} call for {expected!r}")
        texts = claim["options"].get("texts")
        if texts is not None and texts.get(claim["word"]) != claim["text"]:
            problems.append(f"{claim['text']!r}: is not the sentence of its word "
                            f"{claim['word']!r}: {texts.get(claim['word'])!r}")
        name = claim.get("table")
        if name is None:
            continue
        numbers = tables.get(name)
        if numbers is None:
            problems.append(f"{claim['text']!r}: names table {name!r}, which was not recorded")
            continue
        for value in claim["values"]:
            if value != 0 and measured(value) and not any(abs(value - n) <= rel * max(abs(value), abs(n))
                                      for n in numbers):
                problems.append(f"{claim['text']!r}: {value} is not in table {name!r}")
    return problems


def markdown_outputs(nb: Any) -> Iterable[str]:
    """The Markdown every code cell of an executed notebook displayed."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown")
            if text:
                yield text if isinstance(text, str) else "".join(text)


def as_table(series: pd.Series, name: str | None = None) -> pd.DataFrame:
    """A Series as a one-column table, so the HTML shows a table, not a pandas repr."""
    return series.to_frame(name or series.name or "value")


def numbers_table(figures: Mapping[str, Any], name: str = "value") -> pd.DataFrame:
    """The numbers of a summary dict (a notebook's ``year``, ``life``) as a one-column table.

    Why: a sentence built from a summary must be read beside the figures it quotes, and a
    dict shown as is prints its nested tables and labels as a repr. Booleans, text, None,
    NaN and nested values are left out; the order is the dict's.
    """
    rows = {key: float(value) for key, value in figures.items()
            if not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
            and value == value}
    return pd.DataFrame({name: pd.Series(rows, dtype=float)}).rename_axis("figure")
