"""The what-if panel: move an applicant's features in JupyterLab, watch the decision follow.

    from riskkit.reporting.widgets import what_if, compare
    what_if(run, "zhang_san")                 # one panel (a persona, an applicant id, a row)
    compare(run, ("zhang_san", "li_si"))      # two panels side by side

One control per registry feature (see :func:`riskkit.explain.whatif.controls`): immutable
features are shown and locked; overdue history is locked too and moves only with the
**months waited** slider, which ages every time-decaying feature the way recourse does
(windows empty, the credit history grows); counts move by whole numbers, amounts and ratios
by the registry's step. Every change re-decides the applicant through the run's deployed
model and policy and shows the PD, the decision, the credit line, the top reasons (English
or Chinese), the verified recourse and, for a synthetic run, the true PD beside the model's.
Moving the months slider resets the count sliders to the aged counts.

Headless runs. papermill executes a notebook without a browser: there is no frontend to
draw widgets, and the exported HTML must not carry widget scripts. A panel therefore shows
a **static snapshot** (an HTML table of the same numbers) unless it knows a live frontend is
there. :func:`live_frontend` decides, in this order:

1. ``interactive=True/False`` passed to :func:`what_if`: notebooks declare a parameter
   ``interactive = True`` in their ``parameters`` cell, and riskkit's notebook runner
   (``riskkit notebooks``) injects ``interactive=False`` into every notebook that declares
   it; with plain papermill, pass ``-p interactive False``;
2. the environment variable ``RISKKIT_HEADLESS=1``, which riskkit's runner also sets for the
   kernels it starts;
3. otherwise a panel is live when it runs inside a Jupyter kernel (an IPython shell with a
   kernel attached) and static anywhere else (a plain script, a terminal IPython).

ipywidgets comes with the ``notebooks`` extra (``pip install riskkit[notebooks]``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from riskkit.charts import RISK_DOWN, RISK_UP
from riskkit.core.errors import ConfigError
from riskkit.experiment import OOT_ID_OFFSET
from riskkit.explain import approved_reference
from riskkit.explain.in_run import run_world_or_none
from riskkit.explain.whatif import MAX_MONTHS, Control, assess, controls, describe, what_if_row
from riskkit.policy import APPROVED
from riskkit.reporting.notebooks import HEADLESS_ENV
from riskkit.synth.personas import PERSONA_IDS, PERSONAS, persona

WORDS: dict[str, dict[str, str]] = {
    "en": {"months": "Months waited", "pd": "PD", "true_pd": "true PD", "cutoff": "cut-off",
           "decision": "Decision", "line": "Credit line", "reasons": "Top reasons",
           "recourse": "What would have to change", "approved": "APPROVED", "denied": "DENIED",
           "referred": "REFERRED",
           "locked": "fixed", "aged": "moves with months waited", "movable": "movable",
           "feature": "Feature", "value": "Value", "control": "Control",
           "none": "none", "no_recourse": "No realistic change found",
           "nothing": "Approved as it stands: nothing to change", "verified": "verified",
           "unverified": "NOT verified", "new_pd": "new PD", "knockout": "knock-out",
           "snapshot": "Static snapshot (no live frontend): the same numbers the panel shows",
           "fools": "lowers the model's PD but not the true PD", "currency": "CNY"},
    "zh": {"months": "等待月数", "pd": "违约概率", "true_pd": "真实违约概率", "cutoff": "阈值",
           "decision": "决定", "line": "授信额度", "reasons": "主要原因",
           "recourse": "需要做出的改变", "approved": "批准", "denied": "拒绝", "referred": "转人工审核",
           "locked": "不可改变", "aged": "随等待月数变化", "movable": "可调整",
           "feature": "特征", "value": "取值", "control": "控件",
           "none": "无", "no_recourse": "未找到可行的改变", "nothing": "已获批准，无需改变",
           "verified": "已复核", "unverified": "未通过复核", "new_pd": "新违约概率",
           "knockout": "硬性拒绝", "snapshot": "静态快照（无交互前端）：与面板相同的数字",
           "fools": "只降低了模型的违约概率，并未降低真实违约概率", "currency": "元"},
}
_LABEL_WIDTH = "250px"


def live_frontend(interactive: bool | None = None) -> bool:
    """Whether widgets can be drawn here (see the module docstring for the rules).

    Parameters
    ----------
    interactive : bool, optional
        The notebook's ``interactive`` parameter; None to decide from the environment.

    Returns
    -------
    bool
        True for a live Jupyter frontend, False for a headless run or plain Python.
    """
    if interactive is not None:
        return bool(interactive)
    if os.environ.get(HEADLESS_ENV, "").strip().lower() in ("1", "true", "yes"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class RunContext:
    """What every panel of one run shares: deployed model, policy, reference, truth, data.

    Loaded once, so a side-by-side view does not read the run twice.
    """

    def __init__(self, run: Any) -> None:
        self.run = run
        self.model = run.model(run.deployed_model_name)
        self.policy = run.policy()
        self.data = run.data("valid")
        # reason codes quote the median approved applicant of the validation split, as the run does
        self.reference = approved_reference(
            self.data, self.policy.decide(self.data, self.model.predict_pd(self.data)))
        # the run's world, whose truth the true PDs come from (None: data of one's own)
        self.world = run_world_or_none(run)
        self.truth = None if self.world is None else self.world.truth(0)
        self.registry = getattr(run, "registry", None)

    def truth_for(self, row: pd.DataFrame) -> Any:
        """The truth at the month of ``row``'s cohort: an out-of-time applicant (id offset
        by :data:`OOT_ID_OFFSET`) lives at the run's out-of-time month, whose economy may
        have moved; everyone else at month 0."""
        if self.world is None:
            return None
        key = row["applicant_id"].iloc[0] if "applicant_id" in row.columns else 0
        later = int(self.run.config["data"]["oot"].get("months_later", 12))
        return self.world.truth(later if key >= OOT_ID_OFFSET else 0)


def resolve_applicant(run: Any, applicant: Any) -> tuple[pd.DataFrame, str]:
    """(one-row frame, title) for a persona name (in the run's world), an applicant id of
    the run, or a row."""
    if isinstance(applicant, str) and applicant.strip().isdigit():
        applicant = int(applicant.strip())  # an id typed as text, e.g. from a text box
    if isinstance(applicant, str):
        if applicant not in PERSONAS:
            raise ConfigError(f"unknown applicant {applicant!r}: give a persona "
                              f"({', '.join(PERSONAS)}), an applicant id or a one-row DataFrame")
        world = run_world_or_none(run)
        if world is None:
            raise ConfigError(f"the persona {applicant!r} lives in a synthetic world; this run "
                              "was fitted on data of your own")
        return persona(applicant, world), applicant.replace("_", " ").title()
    if isinstance(applicant, pd.DataFrame):
        if len(applicant) != 1:
            raise ConfigError(f"applicant: expected a one-row DataFrame, got {len(applicant)} rows")
        names = {v: k for k, v in PERSONA_IDS.items()}
        key = applicant["applicant_id"].iloc[0] if "applicant_id" in applicant else None
        title = names[key].replace("_", " ").title() if key in names else f"Applicant {key}"
        return applicant.reset_index(drop=True), title
    if isinstance(applicant, int | np.integer) and not isinstance(applicant, bool):
        row, _ = run.applicant(int(applicant))
        return row, f"Applicant {int(applicant)}"
    raise ConfigError(f"applicant: expected a persona name, an id or a one-row DataFrame, "
                      f"got {type(applicant).__name__}")


class WhatIfPanel:
    """One applicant's what-if panel: its state, live widgets, and a static snapshot.

    The state (``months``, ``values`` of the movable features, ``result``: the latest
    :func:`assess` dict) lives here, not in the widgets, so a headless run never creates a
    widget: an executed notebook would otherwise carry their state (and nbconvert a widget
    script) into a report that must load nothing. When live, ``widget`` is the panel and
    ``inputs`` (feature -> control), ``months_slider``, ``pd_html``, ``truth_html``,
    ``decision_html``, ``line_html``, ``reasons_html`` and ``recourse_html`` its parts.
    """

    def __init__(self, context: RunContext, row: pd.DataFrame, *, title: str = "",
                 lang: str = "en", interactive: bool | None = None, months: int = 0,
                 changes: Mapping[str, Any] | None = None) -> None:
        if lang not in WORDS:
            raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")
        self.context, self.row, self.title, self.lang = context, row, title, lang
        self.truth = context.truth_for(row)
        self.interactive = live_frontend(interactive)
        self.words = WORDS[lang]
        self.specs: list[Control] = controls(row, context.model.features_, data=context.data,
                                             lang=lang, registry=context.registry)
        self.months = 0
        self.values: dict[str, Any] = {s.name: s.value for s in self.specs if s.movable}
        self.result: dict[str, Any] = {}
        self.widget: W.Widget | None = None
        self._holding = False
        if self.interactive:
            self._build()
        self.set(months=months, changes=changes)

    # ------------------------------------------------------------------ state
    def changes(self) -> dict[str, Any]:
        """The movable features whose value differs from the (aged) applicant's."""
        aged = what_if_row(self.row, {}, self.months)
        return {name: value for name, value in self.values.items()
                if not np.isclose(float(value), float(aged[name].iloc[0]))}

    def current_row(self) -> pd.DataFrame:
        """The applicant as the panel now describes them."""
        return what_if_row(self.row, self.changes(), self.months,
                           registry=self.context.registry)

    def set(self, *, months: int | None = None, changes: Mapping[str, Any] | None = None
            ) -> dict[str, Any]:
        """Move the panel from code (a notebook cell, a test); returns the new result.

        A new ``months`` first resets the counts to the aged applicant's, then ``changes``
        (feature -> value, movable features only) apply.
        """
        # on copies first: a bad value is refused with the panel as it was
        new_months, values = self.months, dict(self.values)
        if months is not None:
            new_months = months
            aged = what_if_row(self.row, {}, new_months)  # 0 to 24 whole months, or refused
            for spec in self.specs:
                if spec.kind == "count":
                    values[spec.name] = int(aged[spec.name].iloc[0])
        for name, value in (changes or {}).items():
            if name not in values:
                raise ConfigError(f"what-if: {name!r} is not a movable control of this panel "
                                  "(locked, aged or unknown)")
            values[name] = value
        aged = what_if_row(self.row, {}, new_months)
        what_if_row(self.row, {k: v for k, v in values.items()
                               if k in (changes or {}) or v != aged[k].iloc[0]}, new_months)
        self.months, self.values = int(new_months), values
        self._push()
        return self.refresh()

    def refresh(self) -> dict[str, Any]:
        """Re-decide the applicant as the panel describes them (and redraw, when live)."""
        ctx = self.context
        self.result = assess(ctx.model, ctx.policy, self.current_row(), ctx.reference,
                             truth=self.truth)
        if self.widget is not None:
            self._draw_results()
        return self.result

    # ------------------------------------------------------------------ live widgets
    def _build(self) -> None:
        self.months_slider = W.IntSlider(
            value=0, min=0, max=MAX_MONTHS, step=1, description=self.words["months"],
            continuous_update=False, style={"description_width": _LABEL_WIDTH},
            layout=W.Layout(width="480px"))
        self.months_slider.add_class("riskkit-months")
        self.inputs: dict[str, W.Widget] = {spec.name: self._input(spec) for spec in self.specs}
        self.pd_html, self.truth_html, self.decision_html, self.line_html = (
            W.HTML() for _ in range(4))
        self.reasons_html, self.recourse_html = W.HTML(), W.HTML()
        for name in ("pd", "truth", "decision", "line", "reasons", "recourse"):
            getattr(self, f"{name}_html").add_class(f"riskkit-{name}")
        self.months_slider.observe(self._on_months, names="value")
        for spec in self.specs:
            if spec.movable:
                self.inputs[spec.name].observe(self._on_change(spec.name), names="value")
        head = W.HTML(f"<h3>{html.escape(self.title)}</h3>") if self.title else W.HTML()
        results = W.VBox([self.decision_html, self.pd_html, self.truth_html, self.line_html,
                          self.reasons_html, self.recourse_html],
                         layout=W.Layout(min_width="320px", max_width="520px"))
        controls_box = W.VBox([self.months_slider, *self.inputs.values()])
        self.widget = W.VBox([head, W.HBox([controls_box, results],
                                           layout=W.Layout(flex_flow="row wrap"))])

    def _input(self, spec: Control) -> W.Widget:
        common = {"description": spec.label, "continuous_update": False,
                  "style": {"description_width": _LABEL_WIDTH}, "layout": W.Layout(width="480px")}
        if spec.kind == "count":
            box = W.IntSlider(value=int(spec.value), min=int(spec.low), max=int(spec.high),
                              step=1, **common)
        elif spec.kind == "number":
            box = W.FloatSlider(value=float(spec.value), min=float(spec.low),
                                max=float(spec.high), step=float(spec.step),
                                readout_format=spec.readout, **common)
        else:
            common.pop("continuous_update")
            box = W.Text(value=describe(spec, self.row, self.lang, self.context.registry),
                         disabled=True, tooltip=self.words[spec.kind], **common)
        box.add_class(f"riskkit-control-{spec.name}")
        return box

    def _push(self) -> None:
        """Show the state in the controls (without their observers re-deciding)."""
        if self.widget is None:
            return
        self._holding = True
        try:
            self.months_slider.value = self.months
            aged = what_if_row(self.row, {}, self.months)
            for spec in self.specs:
                box = self.inputs[spec.name]
                if spec.movable:
                    value = self.values[spec.name]
                    box.min = min(box.min, value)
                    box.max = max(box.max, value)
                    box.value = value
                elif spec.kind == "aged":
                    box.value = describe(spec, aged, self.lang, self.context.registry)
        finally:
            self._holding = False

    def _on_months(self, change: Mapping[str, Any]) -> None:
        if not self._holding:
            self.set(months=int(change["new"]))

    def _on_change(self, name: str) -> Any:
        def observe(change: Mapping[str, Any]) -> None:
            if not self._holding:
                self.values[name] = change["new"]
                self.refresh()
        return observe

    def _draw_results(self) -> None:
        ctx, w, r = self.context, self.words, self.result
        colour = RISK_DOWN if r["decision"] == APPROVED else RISK_UP
        self.decision_html.value = (f"<b>{w['decision']}: <span style='color:{colour}'>"
                                    f"{w.get(r['decision'], r['decision'])}</span></b>")
        self.pd_html.value = (f"{w['pd']}: <b>{r['pd']:.2%}</b> "
                              f"({w['cutoff']} {ctx.policy.cutoff:.2%})")
        true_pd = r.get("true_pd") if ctx.truth is not None else None
        self.truth_html.value = "" if true_pd is None else f"{w['true_pd']}: <b>{true_pd:.2%}</b>"
        self.line_html.value = f"{w['line']}: <b>{r['credit_line']:,.0f} {w['currency']}</b>"
        self.reasons_html.value = _list_html(w["reasons"], self.reason_lines(), w["none"])
        self.recourse_html.value = _list_html(w["recourse"], self.recourse_lines())

    # ------------------------------------------------------------------ words
    def reason_lines(self) -> list[str]:
        """The top reasons as the applicant would read them, in the panel's language."""
        lines = []
        for item in self.result.get("reasons", []):
            text = item.get(f"text_{self.lang}") or item["feature"]
            if item["kind"] == "knockout":
                lines.append(f"[{self.words['knockout']}] {text}")
            else:
                lines.append(f"{text} ({item['contribution']:+.2f})")
        return lines

    def recourse_lines(self) -> list[str]:
        """The verified recourse (or why there is none), in the panel's language."""
        w, found = self.words, self.result.get("recourse")
        if not found:
            return [w["nothing"]]
        if not found["found"]:
            return [f"{w['no_recourse']}: {found['reason']}"]
        lines = [a.get(f"text_{self.lang}", a["action"]) for a in found["actions"]]
        status = w["verified"] if found["verified"] else w["unverified"]
        tail = f"{w['new_pd']} {found['new_pd']:.2%} ({status})"
        if found.get("true_pd_after") is not None and self.context.truth is not None:
            tail += f"; {w['true_pd']} {found['true_pd_after']:.2%}"
        if found.get("lowers_true_pd") is False:
            tail += f"; {w['fools']}"
        return [*lines, tail]

    # ------------------------------------------------------------------ showing
    def snapshot_rows(self) -> list[tuple[str, str, str]]:
        """(label, value, control state) per feature, for the static snapshot."""
        row = self.current_row()
        state = {"locked": self.words["locked"], "aged": self.words["aged"],
                 "count": self.words["movable"], "number": self.words["movable"]}
        out = [(self.words["months"], str(self.months), self.words["movable"])]
        for spec in self.specs:
            out.append((spec.label, describe(spec, row, self.lang, self.context.registry),
                        state[spec.kind]))
        return out

    def snapshot_html(self) -> str:
        """The panel as static HTML: the same numbers, no widgets, no script."""
        w, r = self.words, self.result
        esc = html.escape
        facts = [(w["decision"], w.get(r["decision"], r["decision"])),
                 (w["pd"], f"{r['pd']:.2%} ({w['cutoff']} {self.context.policy.cutoff:.2%})")]
        if self.context.truth is not None and r.get("true_pd") is not None:
            facts.append((w["true_pd"], f"{r['true_pd']:.2%}"))
        facts.append((w["line"], f"{r['credit_line']:,.0f} {w['currency']}"))
        summary = "".join(f"<tr><th style='text-align:left'>{esc(k)}</th><td>{esc(v)}</td></tr>"
                          for k, v in facts)
        features = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(c)}</td></tr>"
                           for a, b, c in self.snapshot_rows())
        title = f"<h3>{esc(self.title)}</h3>" if self.title else ""
        return (f"<div class='riskkit-what-if'>{title}<p><i>{esc(w['snapshot'])}</i></p>"
                f"<table>{summary}</table>"
                f"{_list_html(w['reasons'], self.reason_lines(), w['none'])}"
                f"{_list_html(w['recourse'], self.recourse_lines())}"
                f"<table><tr><th>{esc(w['feature'])}</th><th>{esc(w['value'])}</th>"
                f"<th>{esc(w['control'])}</th></tr>{features}</table></div>")

    def _repr_html_(self) -> str:
        return self.snapshot_html()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self.snapshot_html()))


def _list_html(title: str, lines: Sequence[str], empty: str = "—") -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = f"<ol>{items}</ol>" if lines else f"<p>{html.escape(empty)}</p>"
    return f"<div><b>{html.escape(title)}</b>{body}</div>"


class WhatIfComparison:
    """Several panels side by side (``panels``), live or as one static table row."""

    def __init__(self, panels: list[WhatIfPanel]) -> None:
        self.panels = panels
        self.interactive = all(p.interactive for p in panels)
        self.widget = None if not self.interactive else W.HBox(
            [p.widget for p in panels],
            layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))

    def snapshot_html(self) -> str:
        cells = "".join(f"<td style='vertical-align:top'>{p.snapshot_html()}</td>"
                        for p in self.panels)
        return f"<table><tr>{cells}</tr></table>"

    def _repr_html_(self) -> str:
        return self.snapshot_html()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget if self.interactive else HTML(self.snapshot_html()))


def what_if(run: Any, applicant: Any, *, lang: str = "en", interactive: bool | None = None,
            months: int = 0, changes: Mapping[str, Any] | None = None,
            context: RunContext | None = None) -> WhatIfPanel:
    """The what-if panel of one applicant, decided by ``run``'s deployed model and policy.

    Parameters
    ----------
    run : riskkit.experiment.runfolder.Run
        A loaded run (``riskkit.load_run``).
    applicant : str, int or pandas.DataFrame
        A persona (``"zhang_san"``, ``"li_si"``), an applicant id of the run, or one row.
    lang : {"en", "zh"}
        Language of labels, reasons and recourse.
    interactive : bool, optional
        Live widgets (True), a static snapshot (False), or decide (None; see
        :func:`live_frontend`).
    months : int
        Months waited to start from (0 to 24).
    changes : mapping, optional
        Feature -> value to start from (movable features only).
    context : RunContext, optional
        The run's shared pieces, when several panels are built.

    Returns
    -------
    WhatIfPanel
        Displayed as the panel (or its snapshot) when it is a cell's result.
    """
    row, title = resolve_applicant(run, applicant)
    return WhatIfPanel(context or RunContext(run), row, title=title, lang=lang,
                       interactive=interactive, months=months, changes=changes)


def compare(run: Any, applicants: Sequence[Any] = PERSONAS, *, lang: str = "en",
            interactive: bool | None = None) -> WhatIfComparison:
    """Panels of several applicants side by side (default Zhang San and Li Si).

    Parameters
    ----------
    run : riskkit.experiment.runfolder.Run
        A loaded run.
    applicants : sequence
        Each as :func:`what_if` takes it.
    lang : {"en", "zh"}
        Language of every panel.
    interactive : bool, optional
        As for :func:`what_if`.

    Returns
    -------
    WhatIfComparison
    """
    if not applicants:
        raise ConfigError("compare needs at least one applicant")
    context = RunContext(run)
    return WhatIfComparison([what_if(run, a, lang=lang, interactive=interactive, context=context)
                             for a in applicants])
