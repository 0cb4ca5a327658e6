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

from collections.abc import Iterable
from typing import Any

import pandas as pd

from riskkit.core.narrative import Narrative

__all__ = ["CLAIMS_MIME", "as_table", "markdown_outputs", "publish_claims", "read_claims"]

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
