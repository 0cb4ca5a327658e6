"""One self-contained HTML report of a run folder: a model validation report, fit to sign.

The report opens with a one-screen summary computed from the run (deployed model, approval
and bad rates, gap to the oracle, calibration and stability verdicts, top drivers of
declines, fairness flags), then one section per question a validator asks (data and world,
discrimination, calibration, stability, validation tests, policy, explanations, fairness,
reject inference when the run studied it, limitations), a model card and an appendix. Every
chart and table comes with sentences computed from the run's numbers; every word comes
from the text catalogue (:mod:`riskkit.texts`, section ``report``), so ``lang="zh"`` gives
the whole report in Chinese.

Everything the reader needs is inside the one file: charts embedded as ``data:`` URIs (SVG
by default: sharp at any zoom, text drawn as outlines), styles inline, no script, no link
outside the file. Print CSS makes a browser's "Save as PDF" give A4 pages with no chart cut
in two. The report reads only what the run wrote, after every file has been checked against
the SHA-256 in the manifest (:func:`riskkit.reporting.view.load_view`).

Where things are: this module assembles the page from :data:`riskkit.reporting.sections.SECTIONS`
(one module per section, in reading order); :mod:`~riskkit.reporting.view` reads the run;
:mod:`~riskkit.reporting.findings` holds the verdicts and their thresholds;
:mod:`~riskkit.reporting.numbers` formats numbers; :mod:`~riskkit.reporting.page` holds the
CSS and HTML pieces; :mod:`~riskkit.reporting.words` looks up the catalogue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from riskkit import __version__
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_json, write_text
from riskkit.reporting.page import page, section
from riskkit.reporting.sections import SECTIONS
from riskkit.reporting.view import Figures, load_view
from riskkit.reporting.words import LANGS

__all__ = ["REPORT_FILE", "claims_path", "render_report", "render_report_claims", "write_report"]

REPORT_FILE = "report.html"


def claims_path(report: str | os.PathLike[str]) -> Path:
    """Where a report's claims record lives: beside it, ``report.html`` ->
    ``report.claims.json`` (``report.zh.html`` -> ``report.zh.claims.json``)."""
    path = Path(report)
    return path.with_name(f"{path.stem}.claims.json")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f"report language must be one of {', '.join(LANGS)}, got {lang!r}")


def render_report(run_dir: str | os.PathLike[str], images: str = "svg", lang: str = "en") -> str:
    """The report of ``run_dir`` as one HTML string (see :func:`write_report`).

    Parameters
    ----------
    run_dir : path
        A complete run folder.
    images : str
        ``svg`` (default) or ``png``: the chart format to embed.
    lang : str
        ``en`` or ``zh``: the language of every word of the report.

    Returns
    -------
    str
        The HTML document.
    """
    return render_report_claims(run_dir, images, lang)[0]


def render_report_claims(run_dir: str | os.PathLike[str], images: str = "svg",
                         lang: str = "en") -> tuple[str, dict[str, Any]]:
    """The report of ``run_dir`` and its claims record.

    The record (:meth:`riskkit.core.narrative.Narrative.record`) holds every sentence of
    the report that states a direction or a comparison: the catalogue key its numbers
    chose, the numbers, the table they come from (``metrics``: metrics.json, ``datacard``,
    ``validation``), and the sentence as written, so
    :func:`riskkit.reporting.narration.check_claims` can re-check the report.

    Parameters
    ----------
    run_dir : path
        A complete run folder.
    images : str
        ``svg`` (default) or ``png``: the chart format to embed.
    lang : str
        ``en`` or ``zh``: the language of every word of the report.

    Returns
    -------
    tuple of (str, dict)
        The HTML document and the claims record.
    """
    _check_lang(lang)
    view = load_view(Path(run_dir), lang, images)
    figs = Figures(view)
    sections, nav = [], []
    for sid, write in SECTIONS:
        body = write(view, figs)
        if body:
            sections.append(section(sid, view.t(f"sec.{sid}"), body, first=not sections))
            nav.append((sid, view.t(f"sec.{sid}")))
    name = view.manifest.get("name", view.folder.name)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = page(lang=lang, title=view.t("title", name=name),
                subtitle=view.t("subtitle", folder=view.folder.name,
                                seed=view.manifest.get("seed", "?"), charts=len(figs.placed),
                                version=__version__)
                + (view.t("subtitle.world", world=view.card["world"].get("name"))
                   if isinstance((view.card or {}).get("world"), Mapping) else ""),
                nav=nav, sections=sections, footer=view.t("footer", version=__version__,
                                                          stamp=stamp))
    return html, {"lang": lang, **view.narrative.record()}


def write_report(run_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
                 images: str = "svg", lang: str = "en") -> Path:
    """Write the self-contained HTML report of a run; return its path.

    Parameters
    ----------
    run_dir : path
        A complete run folder.
    out : path, optional
        Target file; ``run_dir/report.html`` by default (``report.zh.html`` for Chinese, so
        both languages can sit next to each other).
    images : str
        ``svg`` or ``png``; a chart lacking that format falls back to the other.
    lang : str
        ``en`` or ``zh``.

    Returns
    -------
    Path
        The written file. It is written atomically: a reader sees the old report or the new
        one, never half; its claims record is written beside it first (:func:`claims_path`,
        :func:`render_report_claims`). Raises :class:`~riskkit.core.errors.RunError` when
        the folder is not a complete run or any of its files is damaged.
    """
    text, claims = render_report_claims(run_dir, images, lang)
    default = REPORT_FILE if lang == "en" else f"report.{lang}.html"
    target = Path(out) if out is not None else Path(run_dir) / default
    write_json(claims_path(target), {"report": target.name, **claims})
    return write_text(target, text)
