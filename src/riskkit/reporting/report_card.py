"""Report sections that frame the results: limitations, the model card, the appendix.

Limitations are computed too: the sample size sets the AUC's standard error, the data's
origin says whether a truth exists, the scenarios say what the out-of-time sample tests.
The model card (after Mitchell et al., "Model Cards for Model Reporting", 2019) ends with
the exact commands that reproduce the run from its own config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.reporting import report_format as fmt
from riskkit.reporting.report_html import esc, table
from riskkit.reporting.report_sections import figure_title, hanley_mcneil_se
from riskkit.reporting.report_summary import fairness_summary, summary_facts
from riskkit.reporting.report_view import Figures, RunView

__all__ = ["HANDLED", "appendix_section", "limitations", "model_card_section",
           "reproduce_commands"]

#: metrics.json sections the report presents in their own section; any other one appears in
#: the appendix as a table, so a new metric is in the report the day the run writes it.
HANDLED = ("models", "policy", "explain", "stability", "fairness", "reject_inference")


def _scenarios(view: RunView) -> tuple[str, str]:
    card, data = view.card or {}, view.config.get("data") or {}
    scenario = str(card.get("scenario") or (data.get("scenario") if isinstance(data, Mapping) else None)
                   or "baseline")
    return scenario, str(card.get("oot_scenario") or scenario)


def limitations(view: RunView) -> list[str]:
    """The run's limitations as sentences, each computed from the run."""
    t, out = view.t, []
    scenario, oot = _scenarios(view)
    rows = sum(v for v in ((view.card or {}).get("rows") or {}).values() if isinstance(v, (int, float)))
    if view.synthetic:
        out.append(t("lim.synthetic", world=view.world_text, scenario=view.value_text(scenario)))
    else:
        out.append(t("lim.byod", source=(view.registry_file or {}).get("source", "?"),
                     rows=fmt.integer(rows)))
    test = view.split_frame("test")
    auc = view.score(view.deployed, "test", "auc")
    if test is not None and "default_12m" in test and auc is not None:
        bads = float(test["default_12m"].sum())
        se = hanley_mcneil_se(auc, bads, len(test) - bads)
        out.append(t("lim.sample", n=fmt.integer(len(test)), bads=fmt.integer(bads),
                     se=fmt.sig(se, 2), two=fmt.sig(2 * se, 2)))
    if view.card_value("rows", "oot") is not None:
        key = "lim.oot_same" if oot == scenario else "lim.oot_other"
        out.append(t(key, scenario=view.value_text(scenario), oot=view.value_text(oot)))
    if view.synthetic:
        out.append(t("lim.outcomes"))
    calib = (view.models.get(view.deployed) or {}).get("calibration") or {}
    if isinstance(calib, Mapping) and calib.get("applied"):
        out.append(t("lim.calibration", method=view.value_text(str(calib.get("method"))),
                     n=fmt.integer(calib.get("n_rows"))))
    out.append(t("lim.fairness") if "fairness" in view.metrics else t("lim.no_fairness"))
    fig_lang = str((view.config.get("figures") or {}).get("lang") or "en")
    if fig_lang != view.lang and view.figures:
        out.append(t("lim.charts", chart_lang=t(f"lang.{fig_lang}") if fig_lang in ("en", "zh")
                     else fig_lang))
    return out


def reproduce_commands(view: RunView) -> str:
    """The shell commands that rerun this run from its own config, on its own code version."""
    name = view.folder.name
    lines = []
    commit = view.manifest.get("git_commit")
    if commit:
        lines.append(f"git checkout {commit}")
    lines.append(f"pip install -e .   # riskkit {view.manifest.get('versions', {}).get('riskkit', '')}".rstrip())
    if view.synthetic:
        lines.append(f"riskkit run {name}/config.yaml --out runs")
    else:
        reg = view.registry_file or {}
        lines.append(f"riskkit fit --data {reg.get('source', 'FILE')} --target "
                     f"{reg.get('target', 'TARGET')} --seed {view.manifest.get('seed', '')}")
    return "\n".join(lines)


def model_card_section(view: RunView, figs: Figures) -> str:
    """Intended use, model, data, world, performance, fairness, limitations, how to reproduce."""
    t, f = view.t, summary_facts(view)
    scenario, oot = _scenarios(view)
    card = view.card or {}
    records = card.get("features") or (view.registry_file or {}).get("features") or []
    inputs = [r.get("name") for r in records
              if isinstance(r, Mapping) and r.get("model_feature", True)]
    calib = (view.models.get(view.deployed) or {}).get("calibration") or {}
    method = view.value_text(str(calib.get("method", "none"))) if isinstance(calib, Mapping) else ""
    rows = {s: view.card_value("rows", s) for s in ("train", "valid", "test", "oot")}
    fairness = fairness_summary(view)[0]
    items = [
        (t("mc.use"), t("mc.use_v")),
        (t("mc.model"), t("mc.model_v", model=view.model(f["model"]), method=method,
                          n=len(inputs), inputs=view.join([view.feature(str(n)) for n in inputs]))),
        (t("mc.data"), t(view.oot("mc.data_v"), **{k: fmt.integer(v) for k, v in rows.items()},
                         bad=fmt.percent(view.card_value("bad_rate", "test")))),
        (t("mc.world"), t("mc.world_v", world=view.world_text, scenario=view.value_text(scenario),
                          oot=view.value_text(oot)) if view.synthetic else
         t("mc.world_byod", source=(view.registry_file or {}).get("source", "?"))),
        (t("mc.performance"), t("mc.performance_v", auc=fmt.sig(f["auc"], 4),
                                ks=fmt.sig(view.score(f["model"], "test", "ks"), 4),
                                ece=fmt.pp(f["ece"], view.lang), appr=fmt.percent(f["approval_rate"]),
                                bra=fmt.percent(f["bad_rate_approved"]))),
        (t("mc.fairness"), fairness),
        (t("mc.limitations"), t("mc.limitations_v", n=len(limitations(view)))),
    ]
    fingerprint = (view.manifest.get("data_fingerprints") or {}).get("test")
    body = "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"
    body += f"<h3>{esc(t('mc.reproduce'))}</h3>"
    body += view.para(t("mc.reproduce_v", seed=view.manifest.get("seed", "?")))
    commands = reproduce_commands(view)
    if fingerprint:
        commands += f"\n# data fingerprint of the test split (SHA-256): {fingerprint}"
    return body + f"<pre>{esc(commands)}</pre>"


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
