"""One self-contained HTML report of a run folder, fit to be mailed as it is.

Everything the reader needs is inside the one file: charts embedded as ``data:`` URIs
(SVG by default: sharp at any zoom, and text drawn as outlines, so it looks the same without
our fonts), styles inline, no script, no link outside the file. It opens offline, in any
browser, years later.

The report reads only what the run wrote (``config.yaml``, ``manifest.json``,
``metrics.json``, ``datacard.json``, ``decisions.parquet``, ``reasons.parquet`` and
``figures/``) after :func:`riskkit.experiment.runfolder.verify` has checked every file against the SHA-256
recorded in the manifest, so it can never present numbers from a damaged or edited run.
Sections it does not know are still shown, as generic tables: a new metric appears in the
report the day it appears in ``metrics.json``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from riskkit import __version__
from riskkit.core.errors import RunError
from riskkit.core.io import read_json, write_text
from riskkit.experiment.runfolder import verify

REPORT_FILE = "report.html"
#: Performance metrics in reading order; others follow alphabetically.
METRIC_ORDER = ("auc", "gini", "ks", "brier", "log_loss", "ece")
IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
#: Chart-name prefixes in the order a reader wants them (discrimination, calibration,
#: strategy, stability); any other chart (explanations, new ones) follows alphabetically.
FIGURE_ORDER = ("roc", "ks", "gains", "strategy", "reliability", "score_distribution",
                "segments", "csi", "psi", "swap_set")
_ACRONYMS = {"roc": "ROC", "ks": "KS", "psi": "PSI", "csi": "CSI", "pdp": "PDP", "ice": "ICE",
             "shap": "SHAP", "lgbm": "LightGBM", "auc": "AUC", "pd": "PD", "woe": "WoE"}

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;
 color:#222;max-width:62rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;
 padding-bottom:.2rem;margin-top:2.2rem}h3{font-size:1.02rem;margin-top:1.4rem}
.sub{color:#666;margin-top:0}nav a{margin-right:1rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .7rem;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.2rem 0;page-break-inside:avoid}figure img{max-width:100%;height:auto}
figcaption{color:#555;font-size:.85rem}pre{background:#f6f6f6;padding:.8rem;overflow:auto;
 font-size:.8rem}.headline{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #e3e3e3;
 border-radius:4px;padding:.5rem .9rem}.card b{display:block;font-size:1.2rem}
footer{color:#888;font-size:.8rem;margin-top:3rem}
"""


# ----------------------------------------------------------------------------- reading
def _load_json(path: Path, required: bool = True) -> Any:
    if not path.exists():
        if required:
            raise RunError(f"{path} is missing: not a complete run folder")
        return None
    try:
        return read_json(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{path} is damaged: {exc}") from None


def _load_config(path: Path) -> tuple[str, Any]:
    if not path.exists():
        raise RunError(f"{path} is missing: not a complete run folder")
    try:
        text = path.read_text(encoding="utf-8")
        return text, yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RunError(f"{path} is damaged: {' '.join(str(exc).split())}") from None


def _check_shape(metrics: Any, path: Path) -> None:
    if not isinstance(metrics, dict):
        raise RunError(f"{path} is damaged: expected a JSON object of sections, "
                       f"got {type(metrics).__name__}")
    models = metrics.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, dict) for v in models.values()):
        raise RunError(f"{path} is damaged: 'models' must map each model name to its metrics")


def _verify(folder: Path) -> dict[str, Any]:
    """The run's manifest, after checking every file's hash (riskkit.experiment.runfolder.verify)."""

    if not folder.is_dir():
        raise RunError(f"run folder {folder} does not exist" if not folder.exists()
                       else f"{folder} is not a run folder")
    return verify(folder)


def figure_files(folder: Path, prefer: str = "svg") -> list[Path]:
    """One file per chart under ``folder`` (recursively), in the ``prefer`` format if it exists.

    Charts are exported as PNG, SVG and PDF; the report needs one of each. Hidden files
    (``.tmp-`` leftovers of an interrupted write) are never picked up.
    """
    if prefer not in IMAGE_TYPES:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_TYPES)}, got {prefer!r}")
    order = [prefer, *(f for f in IMAGE_TYPES if f != prefer)]
    stems: dict[Path, Path] = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        suffix = path.suffix.lstrip(".").lower()
        if not path.is_file() or path.name.startswith(".") or suffix not in IMAGE_TYPES:
            continue
        stem = path.with_suffix("")
        best = stems.get(stem)
        if best is None or order.index(suffix) < order.index(best.suffix.lstrip(".").lower()):
            stems[stem] = path
    def rank(stem: Path) -> tuple[int, str]:
        name = stem.name
        hits = [i for i, prefix in enumerate(FIGURE_ORDER) if name == prefix or name.startswith(f"{prefix}_")]
        return (hits[0] if hits else len(FIGURE_ORDER), stem.as_posix())

    return [stems[s] for s in sorted(stems, key=rank)]


def _data_uri(path: Path) -> str:
    data = path.read_bytes()
    suffix = path.suffix.lstrip(".").lower()
    ok = data.startswith(b"\x89PNG\r\n\x1a\n") if suffix == "png" else b"<svg" in data[:4096]
    if not ok:
        raise RunError(f"{path} is damaged: not a {suffix.upper()} image")
    return f"data:{IMAGE_TYPES[suffix]};base64,{base64.b64encode(data).decode('ascii')}"


def _parquet_columns(path: Path, wanted: Iterable[str]) -> Any:
    """The columns of ``wanted`` that the file has, or None when there is no file."""
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        return pq.read_table(path, columns=[c for c in wanted if c in names]).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise RunError(f"{path} is damaged: {exc}") from None


# ----------------------------------------------------------------------------- formatting
def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any, key: str = "") -> str:
    """A number as a reader wants it: rates and shares in percent, counts with separators."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if any(word in key for word in ("rate", "share")) and abs(value) <= 1:
            return f"{value:.2%}"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v, key) for v in value)
    return str(value)


def _cell(value: Any, key: str = "") -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{_esc(_fmt(value, key))}</td>' if numeric else f"<td>{_esc(_fmt(value, key))}</td>"


def _table(header: list[str], rows: list[list[Any]], keys: list[str] | None = None) -> str:
    keys = keys or header
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(_cell(v, k) for v, k in zip(row, keys, strict=False)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, Mapping):
        out: list[tuple[str, Any]] = []
        for key, value in obj.items():
            out.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return [(prefix, obj)]


def _is_scalar_map(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and not any(
        isinstance(v, (Mapping, list)) for v in obj.values())


def _ordered(keys: Iterable[str]) -> list[str]:
    keys = list(dict.fromkeys(keys))
    known = [k for k in METRIC_ORDER if k in keys]
    return known + sorted(k for k in keys if k not in known)


def generic_table(obj: Any) -> str:
    """Any JSON section as a table: a matrix when it maps names to flat records, else
    dotted key / value pairs (so nothing the run wrote is hidden from the reader)."""
    if isinstance(obj, Mapping) and obj and all(_is_scalar_map(v) for v in obj.values()):
        columns = _ordered(k for v in obj.values() for k in v)
        rows = [[name, *(rec.get(c) for c in columns)] for name, rec in obj.items()]
        return _table(["", *columns], rows, ["", *columns])
    pairs = _flatten(obj)
    if not pairs:
        return "<p>(empty)</p>"
    return "<table><tbody>" + "".join(
        f"<tr><th>{_esc(k)}</th><td>{_esc(_fmt(v, k))}</td></tr>" for k, v in pairs) + "</tbody></table>"


def _caption(path: Path, root: Path) -> str:
    words = path.relative_to(root).with_suffix("").as_posix().replace("/", " · ").split("_")
    text = " ".join(_ACRONYMS.get(w.lower(), w) for w in words)
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------------------------- sections
def _by_model(records: Mapping[str, Mapping[str, Any]]) -> str:
    """Rows are fields, columns are models: one compact table for a per-model section."""
    fields = list(dict.fromkeys(k for rec in records.values() for k in rec))
    rows = [[f, *(rec.get(f) for rec in records.values())] for f in fields]
    head = "".join(f"<th>{_esc(m)}</th>" for m in records)
    body = "".join("<tr><th>" + _esc(row[0]) + "</th>"
                   + "".join(_cell(v, str(row[0])) for v in row[1:]) + "</tr>" for row in rows)
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _performance(models: Mapping[str, Mapping[str, Any]]) -> str:
    rows, scalars = [], {}
    nested: dict[str, dict[str, Mapping[str, Any]]] = {}
    split_keys: list[str] = []
    for name, entry in models.items():
        for key, value in entry.items():
            if _is_scalar_map(value) and set(value) & set(METRIC_ORDER):
                rows.append((name, key, value))
                split_keys.extend(value)
            elif isinstance(value, Mapping):
                nested.setdefault(key, {})[name] = dict(_flatten(value))
            else:
                scalars.setdefault(name, {})[key] = value
    parts = []
    if rows:
        columns = _ordered(split_keys)
        parts.append(_table(["model", "split", *columns],
                            [[n, s, *(v.get(c) for c in columns)] for n, s, v in rows],
                            ["model", "split", *columns]))
    if scalars:
        parts.append("<h3>Per model</h3>" + generic_table(scalars))
    for key, records in nested.items():
        parts.append(f"<h3>{_esc(key.replace('_', ' ').capitalize())}</h3>{_by_model(records)}")
    return "".join(parts)


def _headline(metrics: Mapping[str, Any]) -> str:
    cards = []
    for name, entry in metrics.get("models", {}).items():
        test = entry.get("test") if isinstance(entry, Mapping) else None
        if isinstance(test, Mapping) and "auc" in test:
            cards.append((f"{name}: test AUC", test["auc"], "auc"))
    policy = metrics.get("policy", {})
    if isinstance(policy, Mapping):
        for key in ("approval_rate", "bad_rate_approved"):
            if isinstance(policy.get(key), (int, float)):
                cards.append((key.replace("_", " "), policy[key], key))
    return '<div class="headline">' + "".join(
        f'<div class="card">{_esc(label)}<b>{_esc(_fmt(value, key))}</b></div>'
        for label, value, key in cards) + "</div>"


def _decisions(folder: Path) -> str:
    frame = _parquet_columns(folder / "decisions.parquet", ["split", "decision", "credit_line"])
    if frame is None or "decision" not in frame.columns:
        return ""
    frame = frame.assign(split=frame["split"] if "split" in frame.columns else "all")
    counts = frame.groupby(["split", "decision"], observed=True).size().unstack(fill_value=0)
    rows = []
    for split, row in counts.iterrows():
        total = int(row.sum())
        line = frame.loc[frame["split"] == split, "credit_line"] if "credit_line" in frame else None
        rows.append([split, total, *(int(row[d]) for d in counts.columns),
                     None if line is None else float(line.mean())])
    header = ["split", "applicants", *map(str, counts.columns), "mean credit line (CNY)"]
    return "<h3>Decisions</h3>" + _table(header, rows)


def _reasons(folder: Path, top: int = 10) -> str:
    frame = _parquet_columns(folder / "reasons.parquet", ["rank", "feature", "text"])
    if frame is None or frame.empty:
        return ""
    if "rank" in frame.columns:
        frame = frame[frame["rank"] == frame["rank"].min()]
    key = "feature" if "feature" in frame.columns else frame.columns[-1]
    counts = frame[key].astype(str).value_counts().head(top)
    rows = [[k, int(v), float(v / len(frame))] for k, v in counts.items()]
    return ("<h3>Most frequent first reason for decline</h3>"
            + _table([key, "declined applicants", "share"], rows, [key, "count", "share"]))


def _datacard(card: Mapping[str, Any]) -> str:
    summary = {k: v for k, v in card.items() if k not in ("features", "fingerprints")}
    parts = [generic_table(summary)]
    features = card.get("features")
    if isinstance(features, list) and features and all(isinstance(f, Mapping) for f in features):
        columns = [c for c in ("name", "description_en", "unit", "direction", "kind",
                               "model_feature") if any(c in f for f in features)]
        parts.append("<h3>Features</h3>" + _table(
            [c.replace("_en", "") for c in columns], [[f.get(c) for c in columns] for f in features]))
    return "".join(parts)


def _manifest(manifest: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in manifest.items() if k != "files"}
    files = manifest.get("files")
    if isinstance(files, Mapping):
        shown["files"] = f"{len(files)} files, each checked against its SHA-256"
    return generic_table(shown)


def render_report(run_dir: str | os.PathLike[str], images: str = "svg") -> str:
    """The report of ``run_dir`` as one HTML string (see :func:`write_report`)."""
    folder = Path(run_dir)
    manifest = _verify(folder)
    config_text, _ = _load_config(folder / "config.yaml")
    metrics = _load_json(folder / "metrics.json")
    _check_shape(metrics, folder / "metrics.json")
    card = _load_json(folder / "datacard.json", required=False)
    name = manifest.get("name", folder.name)
    figs_root = folder / "figures"
    figures = figure_files(figs_root, images)

    sections: list[tuple[str, str, str]] = []
    body = _headline(metrics)
    if isinstance(metrics.get("models"), Mapping) and metrics["models"]:
        body += "<h3>Model performance</h3>" + _performance(metrics["models"])
    for key, value in metrics.items():
        if key != "models":
            body += f"<h3>{_esc(key.replace('_', ' ').capitalize())}</h3>{generic_table(value)}"
    body += _decisions(folder) + _reasons(folder)
    sections.append(("metrics", "Metrics", body))
    if figures:
        sections.append(("figures", "Charts", "".join(
            f'<figure><img alt="{_esc(_caption(p, figs_root))}" src="{_data_uri(p)}">'
            f"<figcaption>{_esc(_caption(p, figs_root))}</figcaption></figure>" for p in figures)))
    if isinstance(card, Mapping):
        sections.append(("data", "Data card", _datacard(card)))
    sections.append(("config", "Configuration", f"<pre>{_esc(config_text)}</pre>"))
    sections.append(("manifest", "Manifest", _manifest(manifest)))

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{sid}">{_esc(title)}</a>' for sid, title, _ in sections)
    content = "".join(f'<section id="{sid}"><h2>{_esc(title)}</h2>{html_}</section>'
                      for sid, title, html_ in sections)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>riskkit report: {_esc(name)}</title><style>{_CSS}</style></head><body>"
            f"<h1>riskkit report: {_esc(name)}</h1>"
            f'<p class="sub">run folder {_esc(folder.name)} · seed {_esc(_fmt(manifest.get("seed")))}'
            f" · {len(figures)} charts</p><nav>{nav}</nav>{content}"
            f"<footer>Written by riskkit {_esc(__version__)} on {stamp}. Self-contained: "
            f"no script, no external file.</footer></body></html>\n")


def write_report(run_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
                 images: str = "svg") -> Path:
    """Write the self-contained HTML report of a run; return its path.

    ``out`` defaults to ``run_dir/report.html``. Charts are embedded as SVG (``images="svg"``)
    or PNG (``"png"``), falling back to the other format when a chart lacks the first. The
    file is written atomically: a reader sees the old report or the new one, never half.
    Raises :class:`~riskkit.core.errors.RunError` when the folder is not a complete run or any
    of its files is damaged.
    """
    text = render_report(run_dir, images)
    target = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    return write_text(target, text)
