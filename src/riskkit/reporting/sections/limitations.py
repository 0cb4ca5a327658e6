"""The report's "Limitations" section, computed too: the sample size sets the AUC's standard
error, the data's origin says whether a truth exists, the scenarios say what the
out-of-time sample tests.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import auc_noise, auc_tolerance
from riskkit.reporting.page import esc
from riskkit.reporting.view import Figures, RunView

__all__ = ["limitations", "limitations_section", "scenarios"]

def scenarios(view: RunView) -> tuple[str, str]:
    """The scenario names of training and of the out-of-time sample (data card, else config)."""
    card, data = view.card or {}, view.config.get("data") or {}
    scenario = str(card.get("scenario") or (data.get("scenario") if isinstance(data, Mapping) else None)
                   or "baseline")
    return scenario, str(card.get("oot_scenario") or scenario)


def limitations(view: RunView) -> list[str]:
    """The run's limitations as sentences, each computed from the run."""
    t, out = view.t, []
    scenario, oot = scenarios(view)
    rows = sum(v for v in ((view.card or {}).get("rows") or {}).values() if isinstance(v, (int, float)))
    if view.synthetic:
        out.append(t("lim.synthetic", world=view.world_text, scenario=view.value_text(scenario)))
    else:
        out.append(t("lim.byod", source=(view.registry_file or {}).get("source", "?"),
                     rows=fmt.integer(rows)))
    noise = auc_noise(view)
    if noise is not None:
        n, bads, se = noise
        out.append(t("lim.sample", n=fmt.integer(n), bads=fmt.integer(bads),
                     se=fmt.sig(se, 2), two=fmt.sig(auc_tolerance(view), 2)))
    if view.card_value("rows", "oot") is not None:
        names = {"scenario": view.value_text(scenario), "oot": view.value_text(oot)}
        if oot != scenario:
            out.append(t("lim.oot_other", **names))
        else:  # the same scenario, but a later cohort drifts: never "not a changed economy"
            card = view.card or {}
            drift = float(card.get("oot_drift") or 0.0)
            out.append(view.choose(drift, 0.0, ("lim.oot_drift", "lim.oot_drift", "lim.oot_same"),
                                   decimals=3, table="datacard", drift=fmt.number(drift),
                                   months=card.get("oot_month"), **names))
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


def limitations_section(view: RunView, figs: Figures) -> str:
    """The limitations as a list."""
    return "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in limitations(view)) + "</ul>"
