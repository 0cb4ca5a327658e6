"""One applicant of a finished run, explained (what ``riskkit explain RUN --applicant ID`` prints).

The applicant is a generated id of any split the run kept, or a persona name
(``zhang_san``, ``li_si``), scored with the run's own model and policy. Reasons are
compared with the medians among approved applicants of the run's validation split -- the
same reference the run's reason codes used -- and a tree model's contributions are measured
against the background the run recorded (``explain_background.parquet``, see
:mod:`riskkit.explain.background`), so the letter printed here says what the run's
``reasons.parquet`` says. A run without one (``explain.background: none``, or made before
backgrounds existed) is explained path-dependently, as it was then.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RunError
from riskkit.core.features import TARGET
from riskkit.evaluate.roles import run_roles
from riskkit.explain.applicant import LETTERS, explain_applicant, format_text
from riskkit.explain.contrib import has_background_mode
from riskkit.explain.likeforlike import letter_basis, truth_check
from riskkit.explain.reasons import approved_reference
from riskkit.models.synthetic_features import require_synthetic_features
from riskkit.synth.personas import PERSONAS, persona


def _applicant_row(run: Any, applicant: str | int, world: Any) -> tuple[Any, int]:
    """The applicant's row and the calendar month of its cohort (0, or the out-of-time
    cohort's month), whose truth its true PD must come from."""
    text = str(applicant).strip()
    if text in PERSONAS:
        if world is None:
            raise ConfigError(f"the persona {text!r} lives in a synthetic world; run "
                              f"{run.path} was fitted on data of your own")
        return persona(text, world), 0
    try:
        applicant_id = int(text.replace("_", ""))
    except ValueError:
        raise ConfigError(f"--applicant must be a whole-number id or one of "
                          f"{', '.join(PERSONAS)}, got {applicant!r}") from None
    row, split = run.applicant(applicant_id)
    if split != "oot":
        return row, 0
    return row, int(run.config["data"]["oot"].get("months_later", 12))


def run_world_or_none(run: Any) -> Any:
    """``run.world``, or None for a run of one's own data (no truth to check against)."""
    try:
        return run.world
    except RunError:
        return None


def _reference(run: Any, model: Any, policy: Any) -> dict[str, Any]:
    splits = run.manifest.get("data_fingerprints", {})
    split = "valid" if "valid" in splits else "test"
    if split not in splits:
        raise RunError(f"run {run.path} keeps neither a validation nor a test split")
    frame = run.data(split)
    pd_ = np.asarray(model.predict_pd(frame), dtype=float)
    return approved_reference(frame, policy.decide(frame, pd_), model.registry_)


def explain_in_run(run: Any, applicant: str | int, *,
                   model_name: str | None = None, lang: str = "en") -> tuple[dict[str, Any], str]:
    """(explanation dict, readable text) for one applicant of a finished run.

    Parameters
    ----------
    run:
        A loaded run (:func:`riskkit.load_run`); passed in loaded because reading run
        folders is the experiment layer's job, above this one.
    applicant:
        An applicant id of the run, or a persona name (``zhang_san``, ``li_si``).
    model_name:
        The model to explain (default: the one the run's policy deployed).
    lang:
        ``"en"`` or ``"zh"`` for the text.

    Returns
    -------
    tuple
        The explanation as a dict, and as readable text.
    """
    deployed = run.deployed_model_name
    model = run.model(model_name or deployed)
    policy = run.policy()
    if (model_name or deployed) != deployed:
        # another model decides with its own cut-off, chosen as the deployed policy chose its
        # own (same method and target on the validation split), never the deployed PD line
        policy = model_policy(run, model, policy)
    if str(applicant).strip() in PERSONAS:
        require_synthetic_features(model, f"the persona {str(applicant).strip()!r}", str(run.path))
    # the truth of the run's own world at the applicant's month, so recourse's true PD is
    # the applicant's; a run of one's own data has none
    world = run_world_or_none(run)
    row, month = _applicant_row(run, applicant, world)
    truth = None if world is None else world.truth(month)
    recorded = getattr(run, "explain_background", None)
    background = recorded() if callable(recorded) else None
    unit = (getattr(run, "config", None) or {}).get("explain", {}).get("unit", "feature")
    explanation = explain_applicant(model, policy, row, _reference(run, model, policy),
                                    truth=truth, background=background, unit=unit)
    explanation["cutoff"] = cutoff_note(model_name or deployed, deployed, policy)
    if truth is not None and all(name in row.columns for name in F.MODEL_FEATURES):
        explanation["truth_check"] = _truth_check(run, model, row, background, truth,
                                                  explanation, unit)
    text = format_text(explanation, lang=lang)
    return explanation, f"{text}\n{explanation['cutoff']['text_' + lang]}"


def _truth_check(run: Any, model: Any, row: Any, background: Any, truth: Any,
                 explanation: dict[str, Any], unit: str) -> dict[str, Any]:
    """The letter against the truth measured from the letter's own comparison group."""
    ex = run.config.get("explain", {})
    needs_train = background is None or not has_background_mode(model)
    basis = letter_basis(model, background, str(ex.get("background", "approved")),
                         run.data("train") if needs_train else None,
                         rows=int(ex.get("background_rows", 1000)), seed=int(run.config["seed"]))
    key = "group" if unit == "group" else "feature"
    letter = [str(r[key]) for r in explanation["reasons"] if r["kind"] == "scored"]
    check = truth_check(model, row, basis, truth, letter, unit=unit)
    entry = (getattr(run, "metrics", None) or {}).get("explain", {}).get(model.name, {})
    check["run_letter_fidelity_top3"] = entry.get("letter_fidelity_top3")
    return check


def model_policy(run: Any, model: Any, policy: Any) -> Any:
    """``policy`` with the cut-off ``model`` gets when chosen the way the run chose its own."""
    if policy.cutoff_method == "fixed":
        return policy
    # the rows the run chose its own cut-off on (the validation split's cut-off part)
    frame = run_roles(run.data("valid"), run.config)["cutoff"]
    y = frame[TARGET].to_numpy() if TARGET in frame.columns else None
    return replace(policy, cutoff=None).fit(frame, model.predict_pd(frame), y)


def cutoff_note(name: str, deployed: str, policy: Any) -> dict[str, Any]:
    """Which cut-off decided, as data and as a sentence in English and Chinese."""
    cut = f"{policy.cutoff:.2%}"
    if policy.cutoff_method == "fixed":
        en, zh = LETTERS.pair("cutoff.fixed", cut=cut)
    else:
        key = "cutoff.own" if name == deployed else "cutoff.other"
        en, zh = (LETTERS(key, lang, cut=cut, model=name, deployed=deployed,
                          how=LETTERS(f"cutoff.how.{policy.cutoff_method}", lang),
                          target=f"{policy.cutoff_target:.1%}") for lang in ("en", "zh"))
    return {"model": name, "deployed": deployed, "pd": float(policy.cutoff),
            "method": policy.cutoff_method, "target": float(policy.cutoff_target),
            "text_en": en, "text_zh": zh}
