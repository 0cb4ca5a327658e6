"""An HTML fragment of a run's reject-inference results, for the report to embed.

The report (``riskkit.reporting``) lives above this package and can call
:func:`reject_inference_html` with a run folder: it reads ``tables/reject_inference.csv``
and names the ``figures/reject_inference_*.png`` charts next to it. Returns None for a run
without a reject-inference study, so the report can leave the section out.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from riskkit.rejectinf.figures import METHOD_LABELS
from riskkit.rejectinf.grading import GRADE_KEYS

TABLE_FILE = Path("tables") / "reject_inference.csv"
FIGURES: tuple[str, ...] = ("reject_inference_bad_rates", "reject_inference_auc",
                            "reject_inference_deployed")
HEADERS: dict[str, str] = {
    "auc_all": "AUC, all", "auc_rejects": "AUC, rejects",
    "pred_bad_rate_rejects": "rejects: predicted bad rate",
    "true_bad_rate_rejects": "rejects: true bad rate", "ece_all": "ECE, all",
    "approval_rate": "approval rate (deployed)", "bad_rate_approved": "bad rate of approved",
    "fidelity_top3": "reason fidelity (top 3)",
}
PERCENT = {"pred_bad_rate_rejects", "true_bad_rate_rejects", "approval_rate",
           "bad_rate_approved"}


def reject_inference_table(run_dir: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The run's results table (one row per model and method), or None if it has none."""
    path = Path(run_dir) / TABLE_FILE
    return pd.read_csv(path) if path.is_file() else None


def reject_inference_html(run_dir: str | os.PathLike[str]) -> str | None:
    """A ``<section>`` with the methods table and the figure file names, or None.

    Parameters
    ----------
    run_dir : path
        A run folder.

    Returns
    -------
    str or None
        HTML (no scripts, no external links); figures are referenced by relative path so
        the caller can inline them the way it inlines the others.
    """
    table = reject_inference_table(run_dir)
    if table is None:
        return None
    columns = [c for c in (*GRADE_KEYS, "fidelity_top3") if c in table.columns]
    head = "".join(f"<th>{html.escape(HEADERS.get(c, c))}</th>" for c in columns)
    rows = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{_fmt(row[c], c in PERCENT)}</td>" for c in columns)
        label = METHOD_LABELS.get(row["method"], row["method"])
        rows.append(f"<tr><td>{html.escape(str(row['model']))}</td>"
                    f"<td>{html.escape(label)}</td>{cells}</tr>")
    figures = "".join(f'<li><code>figures/{name}.png</code></li>' for name in FIGURES
                      if (Path(run_dir) / "figures" / f"{name}.png").is_file())
    return ("<section class=\"reject-inference\"><h2>Reject inference, graded by the truth</h2>"
            "<p>Each method fitted on what the lender sees (outcomes of the accepted only), "
            "graded on held-out applicants whose outcomes and true PDs are known.</p>"
            f"<table><thead><tr><th>model</th><th>method</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><ul>{figures}</ul></section>")


def _fmt(value: object, percent: bool) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    return f"{number:.1%}" if percent else f"{number:.3f}"
