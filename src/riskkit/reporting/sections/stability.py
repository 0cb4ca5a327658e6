"""The report's "Stability" section: how far the scores and the features moved between the
samples (PSI, CSI), with the industry's usual bands.
"""

from __future__ import annotations

from riskkit.reporting import numbers as fmt
from riskkit.reporting.findings import PSI_SHIFT, PSI_STABLE, banded, stability_table
from riskkit.reporting.page import table
from riskkit.reporting.view import Figures, RunView, place

__all__ = ["stability_section"]

def stability_section(view: RunView, figs: Figures) -> str:
    """Whether scores and features moved between training and the out-of-time sample."""
    t, model = view.t, view.deployed
    psis = {m: e.get("psi") for m, e in view.models.items() if isinstance(e.get("psi"), (int, float))}
    ref = next((view.value_text(str(e["psi_reference"])) for e in view.models.values()
                if e.get("psi_reference")), view.value_text("train vs oot"))
    parts, sentences = [], []
    csi = view.tables.get("csi")
    csi = csi if csi is not None and {"feature", "csi"} <= set(csi) else None
    where = stability_table(view)  # every verdict below: a PSI or CSI against the bands

    def verdict(value: float) -> str:
        return t(f"v.psi.{banded(view, value, PSI_STABLE, PSI_SHIFT, kind='psi', table=where)}")

    if model in psis:
        worst = max(psis.items(), key=lambda kv: kv[1])
        sentences.append(t("stab.psi", ref=ref, model=view.model(model), psi=fmt.sig(psis[model]),
                           verdict=verdict(psis[model]),
                           worst=view.model(worst[0]), worst_psi=fmt.sig(worst[1])))
    if csi is not None:
        csi = csi.sort_values(["csi", "feature"], ascending=[False, True])
        top = csi.iloc[0]
        sentences.append(t("stab.csi", n=len(csi), k=int((csi["csi"] >= PSI_STABLE).sum()),
                           feature=view.feature(str(top["feature"])), csi=fmt.sig(top["csi"])))
    parts.append(view.para(*sentences))
    if psis:
        parts.append(table([view.label("model"), view.label("psi"), view.label("verdict")],
                           [[view.model(m), fmt.sig(v), verdict(v)]
                            for m, v in psis.items()]))
    if csi is not None:
        parts.append(table([view.label("feature"), view.label("csi"), view.label("verdict")],
                           [[view.feature(str(r.feature)), fmt.sig(r.csi),
                             verdict(r.csi)]
                            for r in csi.head(8).itertuples()]))

    def interpret(stem: str, prefix: str) -> str:
        if prefix == "csi" and csi is not None and len(csi) >= 3:
            top3 = view.join([view.paren(view.feature(str(r.feature)), fmt.sig(r.csi))
                              for r in csi.head(3).itertuples()])
            return t("fig.csi.text", ref=ref, top=top3,
                     verdict=verdict(float(csi["csi"].max())))
        if prefix == "psi" and model in psis:
            return t("fig.psi.text", model=view.model(model), psi=fmt.sig(psis[model]))
        return ""

    parts.append(place(view, figs, ("csi", "psi"), interpret))
    return "".join(parts)
