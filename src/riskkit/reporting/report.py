"""One self-contained HTML report of a run folder: a model validation report, fit to sign.

The report opens with a one-screen summary computed from the run (deployed model, approval
and bad rates, gap to the oracle, calibration and stability verdicts, top drivers of
declines, fairness flags), then one section per question a validator asks (data and world,
discrimination, calibration, stability, policy, explanations, fairness, reject inference
when the run studied it, limitations), a model card and an appendix. Every chart and table
comes with sentences computed from the run's numbers; every word comes from one en/zh
catalogue (:mod:`riskkit.reporting.report_texts`), so ``lang="zh"`` gives the whole report
in Chinese.

Everything the reader needs is inside the one file: charts embedded as ``data:`` URIs (SVG
by default: sharp at any zoom, text drawn as outlines), styles inline, no script, no link
outside the file. Print CSS makes a browser's "Save as PDF" give A4 pages with no chart cut
in two. The report reads only what the run wrote, after every file has been checked against
the SHA-256 in the manifest (:func:`riskkit.reporting.report_view.load_view`).

Modules: this one assembles; ``report_view`` reads; ``report_summary``, ``report_sections``,
``report_policy``, ``report_fairness``, ``report_card`` write sections; ``report_format``
formats numbers; ``report_html`` holds the CSS and HTML pieces.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from riskkit import __version__
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_text
from riskkit.reporting.report_card import appendix_section, limitations, model_card_section
from riskkit.reporting.report_fairness import fairness_section, reject_inference_section
from riskkit.reporting.report_html import esc, page, section
from riskkit.reporting.report_policy import explanations_section, policy_section
from riskkit.reporting.report_sections import (
    calibration_section,
    data_section,
    discrimination_section,
    stability_section,
)
from riskkit.reporting.report_summary import render_summary
from riskkit.reporting.report_texts import LANGS
from riskkit.reporting.report_validation import validation_section
from riskkit.reporting.report_view import Figures, RunView, figure_files, load_view

__all__ = ["REPORT_FILE", "SECTIONS", "figure_files", "render_report", "write_report"]

REPORT_FILE = "report.html"


def _limitations(view: RunView, figs: Figures) -> str:
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in limitations(view)) + "</ul>"


Section = Callable[[RunView, Figures], str]
#: Section ids in reading order with the function that writes each; a function returning
#: "" leaves its section out (reject inference, for runs that did not study it).
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("data", data_section),
    ("discrimination", discrimination_section),
    ("calibration", calibration_section),
    ("stability", stability_section),
    ("validation", validation_section),  # validation.json of `riskkit validate`
    ("policy", policy_section),
    ("explanations", explanations_section),
    ("fairness", fairness_section),
    ("reject_inference", reject_inference_section),
    ("limitations", _limitations),
    ("model_card", model_card_section),
    ("appendix", appendix_section),
)


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
    _check_lang(lang)
    view = load_view(Path(run_dir), lang, images)
    figs = Figures(view)
    sections = [section("summary", view.t("sec.summary"), render_summary(view), first=True)]
    nav = [("summary", view.t("sec.summary"))]
    for sid, write in SECTIONS:
        body = write(view, figs)
        if body:
            sections.append(section(sid, view.t(f"sec.{sid}"), body))
            nav.append((sid, view.t(f"sec.{sid}")))
    name = view.manifest.get("name", view.folder.name)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return page(lang=lang, title=view.t("title", name=name),
                subtitle=view.t("subtitle", folder=view.folder.name,
                                seed=view.manifest.get("seed", "?"), charts=len(figs.placed),
                                version=__version__)
                + (f" · world {view.card['world'].get('name')}"  # the truth's shape (issue 13)
                   if isinstance((view.card or {}).get("world"), Mapping) else ""),
                nav=nav, sections=sections, footer=view.t("footer", version=__version__,
                                                          stamp=stamp))


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
        one, never half. Raises :class:`~riskkit.core.errors.RunError` when the folder is not
        a complete run or any of its files is damaged.
    """
    text = render_report(run_dir, images, lang)
    default = REPORT_FILE if lang == "en" else f"report.{lang}.html"
    target = Path(out) if out is not None else Path(run_dir) / default
    return write_text(target, text)
