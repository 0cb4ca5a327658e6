"""The report's "Model card" section (after Mitchell et al., "Model Cards for Model
Reporting", 2019): intended use, model, data, performance, fairness, limitations, and the
exact commands that reproduce the run from its own config.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import (
    fairness_summary,
    summary_facts,
)
from riskkit.reporting.page import esc
from riskkit.reporting.sections.limitations import limitations, scenarios
from riskkit.reporting.view import Figures, RunView

__all__ = ["model_card_section", "reproduce_commands"]

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
    scenario, oot = scenarios(view)
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
        (t("mc.limitations"), t("mc.limitations_v", n=len(limitations(view.unrecorded())))),
    ]
    fingerprint = (view.manifest.get("data_fingerprints") or {}).get("test")
    body = "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"
    body += f"<h3>{esc(t('mc.reproduce'))}</h3>"
    body += view.para(t("mc.reproduce_v", seed=view.manifest.get("seed", "?")))
    commands = reproduce_commands(view)
    if fingerprint:
        commands += f"\n# data fingerprint of the test split (SHA-256): {fingerprint}"
    return body + f"<pre>{esc(commands)}</pre>"
