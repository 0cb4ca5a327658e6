"""The report's "Data and world" section: where the applicants come from (world, scenario,
splits) and what is known about each feature.
"""

from __future__ import annotations

from collections.abc import Mapping

from riskkit.reporting import numbers as fmt
from riskkit.reporting.page import esc, table
from riskkit.reporting.view import Figures, RunView

__all__ = ["data_section"]

SPLITS = ("train", "valid", "test", "oot")


def data_section(view: RunView, figs: Figures) -> str:
    """Where the applicants come from: world, scenario, splits, features."""
    card = view.card or {}
    t, parts = view.t, []
    rows = [[view.split(s), fmt.integer(view.card_value("rows", s)),
             fmt.percent(view.card_value("bad_rate", s))] for s in SPLITS
            if view.card_value("rows", s) is not None]
    data = view.config.get("data") if isinstance(view.config.get("data"), Mapping) else {}
    scenario = view.value_text(str(card.get("scenario") or data.get("scenario") or "baseline"))
    oot_scenario = view.value_text(str(card.get("oot_scenario") or scenario))
    if view.synthetic:
        world = (card.get("world") or {}).get("value") or {}
        dials = world.get("dials") or {}
        sentences = [t("data.world", world=view.world_text, scenario=scenario, oot=oot_scenario)]
        if world:
            sentences.append(t("data.truth", bad=fmt.percent(world.get("bad_rate")),
                               noise=fmt.number(dials.get("label_noise", 0.0))))
        if view.card_value("rows", "oot") is not None:
            drift = float(card.get("oot_drift") or 0.0)  # 0.2.0 runs: a second draw, no drift
            sentences.append(view.choose(drift, 0.0, ("data.oot_later", "data.oot_later",
                                                       "data.oot_same"), decimals=3,
                                         table="datacard", months=card.get("oot_month"),
                                         drift=fmt.number(drift)))
        parts.append(view.para(*sentences))
    else:
        reg = view.registry_file or {}
        parts.append(view.para(t("data.byod", source=reg.get("source", "?"),
                                  target=reg.get("target", "?"))))
    if rows:
        train, oot = view.card_value("bad_rate", "train"), view.card_value("bad_rate", "oot")
        sentences = [t(view.oot("data.splits"), train=fmt.integer(view.card_value("rows", "train")),
                       test=fmt.integer(view.card_value("rows", "test")),
                       oot=fmt.integer(view.card_value("rows", "oot")))]
        if train is not None and oot is not None:
            sentences.append(view.choose(  # the size in points, its direction in the verb
                oot, train, ("data.drift_up", "data.drift_down", "data.drift_same"), unit="%",
                decimals=2, table="datacard", train=fmt.percent(train), oot=fmt.percent(oot),
                delta=fmt.pp(abs(oot - train), view.lang)))
        parts.append(view.para(*sentences))
        parts.append(table([view.label("split"), view.label("rows"), view.label("bad_rate")], rows))
    features = [f for f in card.get("features") or [] if isinstance(f, Mapping)]
    if features:
        inputs = [f for f in features if f.get("model_feature", True)]
        protected = [f for f in features if f.get("protected")]
        parts.append(f"<h3>{esc(t('sub.features'))}</h3>")
        parts.append(view.para(t("data.features", n=len(features), inputs=len(inputs),
                                  protected=len(protected),
                                  names=view.join([view.feature(str(f["name"])) for f in protected])
                                  or fmt.DASH)))
        head = [view.label("feature"), view.label("description"), view.label("unit"),
                view.label("direction"), view.label("model_feature"), view.label("protected")]
        body = "".join(
            f"<tr><td><code>{esc(f.get('name'))}</code></td>"
            f"<td>{esc(f.get(f'description_{view.lang}') or f.get('description_en') or '')}</td>"
            f"<td>{esc(view.unit(str(f.get('unit') or '')))}</td>"
            f"<td>{esc(view.value_text(str(f.get('direction'))) if f.get('direction') not in (None, 'none') else '')}</td>"
            f"<td>{esc(view.fmt('', bool(f.get('model_feature', True))))}</td>"
            f"<td>{esc(view.fmt('', bool(f.get('protected', False))))}</td></tr>" for f in features)
        parts.append("<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head)
                     + f"</tr></thead><tbody>{body}</tbody></table>")
    return "".join(parts)
