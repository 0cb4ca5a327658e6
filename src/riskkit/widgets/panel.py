"""The what-if panel itself: one control per feature, the decision re-computed on every
change (:class:`WhatIfPanel`), two panels side by side (:class:`WhatIfComparison`), and
the two calls users type, :func:`what_if` and :func:`compare`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from riskkit.charts import RISK_DOWN, RISK_UP
from riskkit.core.errors import ConfigError
from riskkit.explain.whatif import MAX_MONTHS, Control, assess, controls, describe, what_if_row
from riskkit.policy import APPROVED
from riskkit.synth.personas import PERSONAS
from riskkit.texts import LANGS, Words
from riskkit.widgets.context import RunContext, live_frontend, resolve_applicant

__all__ = ["WHATIF", "WhatIfComparison", "WhatIfPanel", "compare", "what_if"]

WHATIF = Words("whatif")
_LABEL_WIDTH = "250px"


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
        if lang not in LANGS:
            raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")
        self.context, self.row, self.title, self.lang = context, row, title, lang
        self.truth = context.truth_for(row)
        self.interactive = live_frontend(interactive)
        self.words = WHATIF.texts(lang)
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
