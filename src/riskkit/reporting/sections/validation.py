"""The report's "Validation tests" section: every test of ``validation.json`` with its light.

``validation.json`` is read through :func:`riskkit.experiment.validation.read_validation`,
which refuses a file edited after ``riskkit validate`` wrote it or computed for another run.
Every sentence is built from the record's numbers: its direction words ("rose", "fell")
are chosen by them and recorded as claims (:meth:`~riskkit.reporting.view.RunView.choose`,
against the numbers of ``validation.json``), and its verdict comes from the test's own light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from riskkit.experiment.validation import NO_DEVELOPMENT, read_validation
from riskkit.reporting import numbers as fmt
from riskkit.reporting.page import esc, paragraphs
from riskkit.reporting.view import Figures, RunView, numbers_in
from riskkit.texts import Words

__all__ = ["direction", "sentences", "validation_section"]

VALIDATION = Words("validation")
CHARTS = Words("charts")

_BADGE = {"green": "good", "yellow": "watch", "red": "bad", "n/a": "none"}
#: The one-sample tests in reading order, then the development-vs-now ones.
ORDER = ("auc", "gini", "ks", "binomial", "jeffreys", "normal", "binomial_portfolio",
         "jeffreys_portfolio", "hosmer_lemeshow", "spiegelhalter", "brier", "hhi")
COMPARISON = ("auc_decline", "psi", "csi", "hhi_change", "migration")
#: The direction words of a change, as :meth:`RunView.choose` takes them (up, down, same).
_DIRECTIONS = ("dir.up", "dir.down", "dir.flat")
Record = Mapping[str, Any]


def direction(before: float, after: float, lang: str = "en", tolerance: float = 0.0) -> str:
    """The verb for a change from ``before`` to ``after``: rose, fell or stayed (en / zh).

    Parameters
    ----------
    before, after : float
    lang : {"en", "zh"}
    tolerance : float
        Changes no larger than this count as none.

    Returns
    -------
    str
    """
    if after - before > tolerance:
        return VALIDATION("dir.up", lang)
    if before - after > tolerance:
        return VALIDATION("dir.down", lang)
    return VALIDATION("dir.flat", lang)


def _name(test: str, lang: str) -> str:
    return CHARTS(f"vt.{test}", lang)


def _badge(light: str, lang: str) -> str:
    word = VALIDATION(f"light.{light}", lang)
    return f'<span class="verdict v-{_BADGE.get(light, "none")}">{esc(word)}</span>'


def _verdict(r: Record, lang: str) -> str:
    return VALIDATION(f"v.p.{r.get('light', 'n/a')}", lang)


def _level(r: Record, lang: str, yellow: float, red: float, higher_is_worse: bool = False) -> str:
    light = r.get("light", "n/a")
    if light == "n/a":
        return VALIDATION("v.p.n/a", lang)
    kind = "high" if higher_is_worse else "level"
    return VALIDATION(f"v.{kind}.{light}", lang, yellow=fmt.sig(yellow), red=fmt.sig(red))


def _p(value: Any) -> str:
    return fmt.sig(value) if value is not None else fmt.DASH


def _ci(r: Record) -> tuple[str, str]:
    ci = r.get("ci") or [None, None]
    return fmt.sig(ci[0], 4), fmt.sig(ci[1], 4)


def _sample_sentences(view: RunView, sample: str, tests: Record, record: Record) -> list[str]:
    lang, th = view.lang, record["settings"]["thresholds"]
    where, out = view.split(sample), []
    auc = tests["auc"]
    lo, hi = _ci(auc)
    boot = auc["details"].get("bootstrap_ci") or [None, None]
    out.append(VALIDATION("s.auc", lang, sample=where, auc=fmt.sig(auc["statistic"], 4), lo=lo, hi=hi,
                     blo=fmt.sig(boot[0], 4), bhi=fmt.sig(boot[1], 4),
                     reps=fmt.integer(auc["details"].get("bootstrap_reps")),
                     verdict=_level(auc, lang, th["auc"]["yellow"], th["auc"]["red"])))
    glo, ghi = _ci(tests["gini"])
    out.append(VALIDATION("s.gini", lang, gini=fmt.sig(tests["gini"]["statistic"], 4), lo=glo, hi=ghi))
    out.append(VALIDATION("s.ks", lang, ks=fmt.sig(tests["ks"]["statistic"]),
                     verdict=_level(tests["ks"], lang, th["ks"]["yellow"], th["ks"]["red"])))
    for name in ("binomial", "jeffreys", "normal"):
        r = tests[name]
        d = r["details"]
        out.append(VALIDATION("s.grades", lang, test=_name(name, lang), sample=where,
                         k=fmt.integer(d["rejected"]), t=fmt.integer(d["tested"]),
                         kh=fmt.integer(d["rejected_holm"]), alpha=fmt.percent(d["alpha"]),
                         p=_p(r["p_value"]), verdict=_verdict(r, lang)))
    for name in ("binomial_portfolio", "jeffreys_portfolio"):
        r = tests[name]
        row = r["details"]["grades"][0]
        out.append(VALIDATION("s.portfolio", lang, test=_name(name, lang), sample=where,
                         d=fmt.integer(row["defaults"]), n=fmt.integer(row["n"]),
                         dr=fmt.percent(row["dr"]), pd=fmt.percent(row["pd"]),
                         p=_p(r["p_value"]), verdict=_verdict(r, lang)))
    hl = tests["hosmer_lemeshow"]
    out.append(VALIDATION("s.hl", lang, sample=where, stat=fmt.sig(hl["statistic"]),
                     df=fmt.integer(hl["details"]["df"]), p=_p(hl["p_value"]),
                     verdict=_verdict(hl, lang)))
    sp = tests["spiegelhalter"]
    out.append(VALIDATION("s.spiegelhalter", lang, sample=where, z=fmt.sig(sp["statistic"]),
                     p=_p(sp["p_value"]), verdict=_verdict(sp, lang)))
    b = tests["brier"]
    bd = b["details"]
    out.append(VALIDATION("s.brier", lang, sample=where, brier=fmt.sig(b["statistic"]),
                     rel=fmt.sig(bd["reliability"]), res=fmt.sig(bd["resolution"]),
                     unc=fmt.sig(bd["uncertainty"]),
                     rest=fmt.sig(bd["within_variance"] - bd["within_covariance"])))
    h = tests["hhi"]
    k = len(h["details"]["shares"])
    out.append(VALIDATION("s.hhi", lang, sample=where, top=fmt.percent(max(h["details"]["shares"])),
                     hhi=fmt.sig(h["statistic"]), k=fmt.integer(k), floor=fmt.sig(1 / k),
                     hi=fmt.sig(h["details"]["hi"]),
                     verdict=_level(h, lang, th["hhi"]["yellow"], th["hhi"]["red"], True)))
    return out


def _comparison_sentences(view: RunView, record: Record) -> list[str]:
    lang, c, th = view.lang, record["comparison"], record["settings"]["thresholds"]
    out = []
    dec = c["auc_decline"]
    d = dec["details"]
    lo, hi = _ci(dec)
    fields = {"dev": fmt.sig(d["auc_dev"], 4), "cur": fmt.sig(d["auc_current"], 4),
              "diff": fmt.sig(dec["statistic"], 3), "lo": lo, "hi": hi, "p": _p(dec["p_value"]),
              "verdict": _verdict(dec, lang)}
    out.append(view.choose(d["auc_current"], d["auc_dev"], _DIRECTIONS,
                           shown=lambda v: fmt.sig(v, 4), table="validation", say=lambda key: VALIDATION(
                               "s.decline", lang, dir=VALIDATION(key, lang), **fields)))
    psi = c["psi"]
    out.append(VALIDATION("s.psi", lang, psi=fmt.sig(psi["statistic"]), p=_p(psi["p_value"]),
                     verdict=_level(psi, lang, th["psi"]["yellow"], th["psi"]["red"], True)))
    csi = c["csi"]
    rows = csi["details"].get("features") or []
    if rows:
        out.append(VALIDATION("s.csi", lang, feature=view.feature(str(rows[0]["feature"])),
                         csi=fmt.sig(rows[0]["csi"]), n=fmt.integer(len(rows)),
                         k=fmt.integer(sum((r["csi"] or 0) >= th["psi"]["yellow"] for r in rows)),
                         yellow=fmt.sig(th["psi"]["yellow"]), p=_p(csi["p_value"]),
                         verdict=_level(csi, lang, th["psi"]["yellow"], th["psi"]["red"], True)))
    if "hhi_change" in c:
        h = c["hhi_change"]["details"]
        fields = {"dev": fmt.sig(h["hi_dev"]), "cur": fmt.sig(h["hi"]),
                  "p": _p(c["hhi_change"]["p_value"])}
        out.append(view.choose(h["hi"], h["hi_dev"], _DIRECTIONS, shown=fmt.sig, table="validation",
                               say=lambda key: VALIDATION("s.hhi_change", lang,
                                                          dir=VALIDATION(key, lang), **fields)))
    m = c["migration"]
    if m["statistic"] is None:
        reason = m["details"].get("reason", "")
        out.append(VALIDATION("s.migration_na.no_development", lang) if reason == NO_DEVELOPMENT
                   else VALIDATION("s.migration_na", lang, reason=reason))
    else:
        md = m["details"]
        out.append(VALIDATION("s.migration", lang, diag=fmt.percent(md["diagonal_share"]),
                         within=fmt.percent(md["within_one_notch"]),
                         safer=fmt.percent(md["to_safer"]), riskier=fmt.percent(md["to_riskier"]),
                         mwbl=fmt.sig(md["mwb_lower"]), mwbu=fmt.sig(md["mwb_upper"]),
                         p=_p(m["p_value"]), verdict=_verdict(m, lang)))
    return out


def sentences(view: RunView, record: Record) -> list[str]:
    """One sentence per test, for every sample, then development against now."""
    out = []
    for sample, tests in record["samples"].items():
        out.extend(_sample_sentences(view, sample, tests, record))
    return out + _comparison_sentences(view, record)


def _stat(test: str, r: Record) -> str:
    if r.get("statistic") is None:
        return fmt.DASH
    if test in ("binomial", "jeffreys", "normal"):
        return f"{fmt.integer(r['statistic'])} / {fmt.integer(r['details']['tested'])}"
    return fmt.sig(r["statistic"], 4)


def _results_table(view: RunView, record: Record) -> str:
    lang = view.lang
    head = [VALIDATION(f"col.{k}", lang) for k in ("test", "sample", "stat", "p", "ci", "light")]
    rows = []
    blocks = [(view.split(s), ORDER, tests) for s, tests in record["samples"].items()]
    blocks.append((VALIDATION("sample.dev_now", lang), COMPARISON, record["comparison"]))
    for where, order, tests in blocks:
        for test in order:
            if test not in tests:
                continue
            r = tests[test]
            lo, hi = _ci(r)
            cells = [esc(_name(test, lang)), esc(where), esc(_stat(test, r)),
                     esc(_p(r.get("p_value"))), esc(f"{lo} – {hi}" if r.get("ci") else fmt.DASH),
                     _badge(r.get("light", "n/a"), lang)]
            rows.append("<tr>" + "".join(
                f"<td{' class=num' if 1 < i < 5 else ''}>{c}</td>" for i, c in enumerate(cells))
                + "</tr>")
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _grades_table(view: RunView, record: Record) -> str:
    lang = view.lang
    sample = record["current"]["split"]
    grades = record["samples"][sample]["jeffreys"]["details"]["grades"]
    bounds = [0.0, *record["master_scale"]["boundaries"], 1.0]
    head = [VALIDATION(f"col.{k}", lang) for k in ("grade", "range", "n", "d", "pd", "dr", "ci", "p",
                                                "light")]
    rows = []
    for g in grades:
        k = g["grade"]
        ci = g.get("dr_ci") or [None, None]
        cells = [esc(k), esc(f"{fmt.percent(bounds[k - 1])} – {fmt.percent(bounds[k])}"),
                 esc(fmt.integer(g["n"])), esc(fmt.integer(g["defaults"])),
                 esc(fmt.percent(g["pd"])), esc(fmt.percent(g["dr"])),
                 esc(f"{fmt.percent(ci[0])} – {fmt.percent(ci[1])}"), esc(_p(g["p_value"])),
                 _badge(g["light"], lang)]
        rows.append("<tr>" + "".join(f"<td{' class=num' if i else ''}>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    title = VALIDATION("grades_title", lang, sample=view.split(sample))
    return (f"<h3>{esc(title)}</h3><table><thead><tr>{header}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _migration_table(view: RunView, record: Record) -> str:
    m = record["comparison"]["migration"]
    if m.get("statistic") is None:
        return ""
    shares = m["details"]["row_shares"]
    k = len(shares)
    header = "<th></th>" + "".join(f"<th>{j + 1}</th>" for j in range(k))
    body = "".join("<tr><th>" + str(i + 1) + "</th>" + "".join(
        f"<td class=num>{esc(fmt.percent(v, 2) if v else '')}</td>" for v in row) + "</tr>"
        for i, row in enumerate(shares))
    return (f"<h3>{esc(VALIDATION('migration_title', view.lang))}</h3>"
            f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>")


def validation_section(view: RunView, figs: Figures) -> str:
    """The section: how the battery ran, the table of lights, one sentence per test, the
    per-grade Jeffreys table and the migration matrix; a pointer to ``riskkit validate``
    when the run has no ``validation.json``."""
    record = read_validation(view.folder)
    lang = view.lang
    if record is None:
        return paragraphs(VALIDATION("none", lang, folder=view.folder.name))
    view.narrative.table(np.asarray(numbers_in(record), dtype=float), "validation")
    pv = record["settings"]["thresholds"]["p_value"]
    samples = VALIDATION("and", lang).join(view.split(s) for s in record["samples"])
    dev = record["development"]
    dev_name = view.split(dev["split"]) if record.get("against") is None else \
        VALIDATION("dev.other", lang, split=view.split(dev["split"]), name=record["against"]["name"])
    intro = VALIDATION("intro", lang, model=view.model(record["model"]), samples=samples,
                  k=fmt.integer(record["master_scale"]["n_grades"]),
                  method=VALIDATION(f"method.{record['master_scale']['method']}", lang),
                  dev=dev_name, dev_n=fmt.integer(dev["n"]),
                  cur=view.split(record["current"]["split"]),
                  cur_n=fmt.integer(record["current"]["n"]), yellow=fmt.sig(pv["yellow"]),
                  red=fmt.sig(pv["red"]))
    return "".join([view.para(intro), _results_table(view, record),
                    view.para(*sentences(view, record)), _grades_table(view, record),
                    _migration_table(view, record)])
