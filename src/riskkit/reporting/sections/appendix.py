"""The report's "Appendix": the metrics no section presents, the charts no section placed,
the configuration as the run resolved it and the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.reporting import numbers as fmt
from riskkit.reporting.page import esc, table
from riskkit.reporting.view import Figures, RunView, figure_title

__all__ = ["HANDLED", "appendix_section"]

#: metrics.json sections the report presents in their own section; any other one appears in
#: the appendix as a table, so a new metric is in the report the day the run writes it.
HANDLED = ("models", "policy", "explain", "stability", "fairness", "reject_inference")


def _flat(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, Mapping):
        return [p for k, v in obj.items() for p in _flat(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, obj)]


def _pairs_table(view: RunView, obj: Any) -> str:
    rows = [[" · ".join(view.label(part) for part in key.split(".")), view.fmt(key, value)]
            for key, value in _flat(obj)]
    return table(["", ""], rows, numeric=[False, True], keep=False, row_headers=True) if rows else ""


def _manifest(view: RunView) -> str:
    m, rows = view.manifest, []
    for key in ("status", "name", "seed", "git_commit", "platform", "data_stored"):
        if key in m:
            value = m[key]
            rows.append([view.label(key), view.fmt(key, value) if not isinstance(value, str)
                         or key == "status" else value])
    versions = m.get("versions")
    if isinstance(versions, Mapping):
        rows.append([view.label("versions"), ", ".join(f"{k} {v}" for k, v in versions.items())])
    prints = m.get("data_fingerprints")
    if isinstance(prints, Mapping):
        rows.append([view.label("data_fingerprints"), view.t("sep.semi").join(
            f"{view.split(s)} {str(v)[:16]}…" for s, v in prints.items())])
    times = m.get("timings_s")
    if isinstance(times, Mapping):
        rows.append([view.label("timings_s"), view.t("sep.semi").join(
            f"{view.label(f'stage.{k}')} {fmt.sig(v)}" for k, v in times.items()
            if isinstance(v, (int, float)))])
    files = m.get("files")
    if isinstance(files, Mapping):
        rows.append([view.label("files"), view.t("files_checked", n=len(files))])
    return table(["", ""], rows, numeric=[False, False], keep=False, row_headers=True)


def appendix_section(view: RunView, figs: Figures) -> str:
    """Other metrics, other charts, the configuration and the manifest."""
    t, parts = view.t, []
    other = {k: v for k, v in view.metrics.items() if k not in HANDLED}
    for key, value in other.items():
        parts.append(f"<h3>{esc(view.label(key))}</h3>{_pairs_table(view, value)}")
    rest = figs.rest
    if rest:
        parts.append(f"<h3>{esc(t('sub.charts_other'))}</h3>")
        parts.extend(figs.render(p, figure_title(view, p.stem, p.stem), t("fig.no_text"))
                     for p in rest)
    parts.append(f"<h3>{esc(t('sub.config'))}</h3><pre>{esc(view.config_text)}</pre>")
    parts.append(f"<h3>{esc(t('sub.manifest'))}</h3>{_manifest(view)}")
    return "".join(parts)
