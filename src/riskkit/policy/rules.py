"""Eligibility decisions and credit lines: knock-out rules, a PD cut-off, a line formula.

The order is the lender's: hard knock-out rules first (currently overdue, too many lending
platforms, age outside the product's range), then a cut-off on the model's PD, then a credit
line that grows with income and shrinks with risk, rounded down to what a product shows.

The cut-off can be a fixed PD or be *chosen* for a target approval rate or a target bad
rate among approved applicants; :meth:`Policy.fit` resolves it on a validation sample with
:mod:`riskkit.evaluate.cutoffs` (ties approved or declined as a whole, an approval-rate
target rounded up to a whole applicant), so the decision rule that is applied later is always a plain PD
threshold. A frame without a column a knock-out rule reads is an error, never a skipped rule.

Missing values
--------------
A column can be present while one applicant's value is missing. What a rule does then is a
policy choice, stated per rule (``missing:`` in the rule, or ``policy.missing.knockouts``
for all): ``decline`` (the default: a lender does not approve what it could not check; the
letter says the information was missing, never that the rule was broken), ``refer`` (to a
person: the decision is ``"referred"``, neither approved nor declined) or ``pass`` (the rule
is waived). A declining value beats a referral. A missing **income** cannot size a credit
line: ``policy.missing.income`` is ``refer`` (default: an approval waits for proof of
income, as a lender asks for documents before setting a line) or ``minimum`` (the product's
starter line, stated as such). It is never silently the minimum line. Declining for a
missing income is not offered: what the applicant needs to hear is "send proof of income",
a referral, not a decline with no reason to act on. Every decision that a missing value
made is marked (``Decisions.missing``), so a run counts them.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.registry import Registry
from riskkit.evaluate.cutoffs import cutoff_for_approval_rate, cutoff_for_bad_rate
from riskkit.texts import Words

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
        "==": operator.eq, "!=": operator.ne}

RULES = Words("rules")
APPROVED = "approved"
DENIED = "denied"
REFERRED = "referred"
#: What a knock-out rule does with a missing value; what a missing income does to a line.
MISSING_OUTCOMES: tuple[str, ...] = ("decline", "refer", "pass")
MISSING_INCOME: tuple[str, ...] = ("refer", "minimum")
MissingOutcome = Literal["decline", "refer", "pass"]
MissingIncome = Literal["refer", "minimum"]


@dataclass(frozen=True)
class KnockoutRule:
    """Deny outright when ``feature op value`` holds."""

    name: str
    feature: str
    op: str
    value: float
    text_en: str
    text_zh: str
    missing: MissingOutcome = "decline"

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ConfigError(f"knock-out rule {self.name!r}: operator {self.op!r} is not one of "
                              f"{', '.join(_OPS)}")
        if self.missing not in MISSING_OUTCOMES:
            raise ConfigError(f"knock-out rule {self.name!r}: missing = {self.missing!r} is not "
                              f"one of {', '.join(MISSING_OUTCOMES)}")

    def _values(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.feature].to_numpy(dtype=float, na_value=np.nan)

    def hits(self, frame: pd.DataFrame) -> np.ndarray:
        """True where the applicant's value breaks the rule (a missing value never does)."""
        values = self._values(frame)
        with np.errstate(invalid="ignore"):
            return np.asarray(_OPS[self.op](values, self.value)) & ~np.isnan(values)

    def missing_mask(self, frame: pd.DataFrame) -> np.ndarray:
        """True where the rule's value is missing (what happens then: :attr:`missing`)."""
        return np.isnan(self._values(frame))

    def missing_text(self, description_en: str, description_zh: str, lang: str = "en") -> str:
        """The reason a letter gives when the rule declined a missing value: the information
        was missing (never that the rule was broken)."""
        return RULES("missing", lang, description=description_zh if lang == "zh" else description_en)


DEFAULT_KNOCKOUTS: tuple[KnockoutRule, ...] = (
    KnockoutRule("currently_overdue", "current_overdue", ">=", 1,
                 *RULES.pair("currently_overdue")),
    KnockoutRule("too_many_platforms", "active_platforms", ">", 8,
                 *RULES.pair("too_many_platforms")),
    KnockoutRule("age_below_minimum", "age", "<", 20, *RULES.pair("age_below_minimum")),
    KnockoutRule("age_above_maximum", "age", ">", 55, *RULES.pair("age_above_maximum")),
)


@dataclass(frozen=True)
class LineRule:
    """Credit line = income x multiple x risk factor, clipped and rounded down.

    The risk factor falls linearly from 1 at PD 0 to ``floor_share`` at the cut-off, so the
    line is non-decreasing in income and non-increasing in PD: a riskier applicant with no
    more income never gets a larger line.
    """

    income_multiple: float = 1.5
    floor_share: float = 0.3
    min_line: float = 500.0
    max_line: float = 50_000.0
    round_to: float = 100.0

    def line(self, income: np.ndarray, pd_: np.ndarray, cutoff: float) -> np.ndarray:
        risk = np.clip(pd_ / max(cutoff, 1e-12), 0.0, 1.0)
        factor = 1.0 - (1.0 - self.floor_share) * risk
        raw = np.clip(np.nan_to_num(income) * self.income_multiple * factor, self.min_line,
                      self.max_line)
        return np.floor(raw / self.round_to) * self.round_to


CutoffMethod = Literal["fixed", "approval_rate", "bad_rate"]


@dataclass(frozen=True)
class Decisions:
    """A policy's decisions for many applicants, as arrays (see :meth:`Policy.decide_arrays`).

    ``knockout`` holds codes: 0 for no rule hit, else the position + 1 of the first rule
    hit in ``labels[1:]`` (the policy's rule names at the time of deciding); a referral
    carries the code of the rule that referred it (0 for a missing income).
    """

    approved: np.ndarray
    knockout: np.ndarray
    pd: np.ndarray
    credit_line: np.ndarray
    labels: tuple[str, ...]
    #: True where the applicant is referred to a person (neither approved nor declined).
    referred: np.ndarray | None = None
    #: True where a missing value decided the outcome (a rule's, or the income's).
    missing: np.ndarray | None = None

    def to_frame(self, index: pd.Index | None = None,
                 score: np.ndarray | None = None) -> pd.DataFrame:
        """The table :meth:`Policy.decide` returns: decision (approved, denied or referred),
        knockout, pd, score, credit_line, missing_value.

        Parameters
        ----------
        index
            The applicants' index (default: a range).
        score
            Scores to add as a ``score`` column, if any.

        Returns
        -------
        pandas.DataFrame
            One row per applicant.
        """
        referred = np.zeros(len(self.approved), dtype=bool) if self.referred is None \
            else self.referred
        out = pd.DataFrame({
            "decision": np.where(self.approved, APPROVED, np.where(referred, REFERRED, DENIED)),
            "knockout": np.asarray(self.labels)[self.knockout].astype(str),
            "pd": self.pd,
            "credit_line": self.credit_line,
            "missing_value": np.zeros(len(self.approved), dtype=bool) if self.missing is None
            else self.missing,
        }, index=index)
        if score is not None:
            out.insert(3, "score", np.asarray(score, dtype=float))
        return out


@dataclass(frozen=True)
class Policy:
    """A lender's decision rule. ``cutoff`` is a PD; approve when PD <= cutoff."""

    cutoff_method: CutoffMethod = "approval_rate"
    cutoff_target: float = 0.75
    cutoff: float | None = None
    #: a bad-rate cut-off's confidence that the approved book meets its target on new
    #: applicants (:func:`riskkit.evaluate.cutoff_for_bad_rate`); None: the in-sample rate
    cutoff_confidence: float | None = None
    knockouts: tuple[KnockoutRule, ...] = DEFAULT_KNOCKOUTS
    line_rule: LineRule = field(default_factory=LineRule)
    #: What an approval with a missing income gets: a referral, or the minimum line.
    missing_income: MissingIncome = "refer"

    def __post_init__(self) -> None:
        if self.missing_income not in MISSING_INCOME:
            raise ConfigError(f"policy.missing.income: {self.missing_income!r} is not one of "
                              f"{', '.join(MISSING_INCOME)}")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None,
                    registry: Registry | None = None) -> Policy:
        """Build from the ``policy:`` section of an experiment config (validated strictly).

        Parameters
        ----------
        config:
            The ``policy:`` section (``None``: the defaults).
        registry:
            Where knock-out features must be found (default: the synthetic world's).

        Returns
        -------
        Policy
            Unfitted: :meth:`fit` resolves the cut-off.
        """
        config = dict(config or {})
        allowed = {"cutoff", "knockouts", "line", "missing"}
        unknown = set(config) - allowed
        if unknown:
            raise ConfigError(f"policy: unknown key(s) {sorted(unknown)}; expected {sorted(allowed)}")
        cut = dict(config.get("cutoff") or {"method": "approval_rate", "value": 0.75})
        if set(cut) - {"method", "value", "confidence"}:
            raise ConfigError(f"policy.cutoff: unknown key(s) "
                              f"{sorted(set(cut) - {'method', 'value', 'confidence'})}"
                              "; expected method, value, confidence")
        confidence = cut.get("confidence")
        if confidence is not None and (isinstance(confidence, bool) or not isinstance(
                confidence, int | float) or not 0.5 <= confidence < 1.0):
            raise ConfigError(f"policy.cutoff.confidence: {confidence!r} must be a probability "
                              "between 0.5 and 1 (e.g. 0.95), or null for the in-sample rate")
        method = cut.get("method", "approval_rate")
        if method not in ("fixed", "approval_rate", "bad_rate"):
            raise ConfigError(f"policy.cutoff.method: {method!r} is not fixed, approval_rate or bad_rate")
        value = float(cut.get("value", 0.75))
        if not 0.0 < value < 1.0:
            raise ConfigError(f"policy.cutoff.value: {value!r} must lie strictly between 0 and 1")
        missing = _missing_section(config.get("missing"))
        knockouts = tuple(replace(rule, missing=missing["knockouts"]) for rule in DEFAULT_KNOCKOUTS)
        if "knockouts" in config:
            spec = config["knockouts"] or {}
            if not isinstance(spec, Mapping):
                raise ConfigError("policy.knockouts must map rule names to {feature, op, value}, "
                                  f"got {type(spec).__name__} {spec!r}")
            knockouts = tuple(_knockout_from_config(name, rule, registry or F.SYNTHETIC,
                                                    missing["knockouts"])
                              for name, rule in spec.items())
        line_cfg = dict(config.get("line") or {})
        line_fields = set(LineRule.__dataclass_fields__)
        if set(line_cfg) - line_fields:
            raise ConfigError(f"policy.line: unknown key(s) {sorted(set(line_cfg) - line_fields)}; "
                              f"expected {sorted(line_fields)}")
        return cls(cutoff_method=method, cutoff_target=value,
                   cutoff=value if method == "fixed" else None,
                   cutoff_confidence=None if confidence is None else float(confidence),
                   knockouts=knockouts,
                   line_rule=LineRule(**{k: float(v) for k, v in line_cfg.items()}),
                   missing_income=missing["income"])

    def fit(self, frame: pd.DataFrame, pd_: np.ndarray, y: np.ndarray | None = None) -> Policy:
        """Resolve the cut-off on a validation sample (applicants passing the knock-outs)."""
        if self.cutoff_method == "fixed":
            return replace(self, cutoff=self.cutoff_target)
        passing = ~self.knockout_mask(frame)
        p = np.asarray(pd_, dtype=float)[passing]
        if not len(p):
            raise ConfigError("cannot choose a cut-off: every applicant in the sample is knocked "
                              "out by the knock-out rules")
        if self.cutoff_method == "approval_rate":
            cutoff = cutoff_for_approval_rate(p, self.cutoff_target)
        else:
            if y is None:
                raise ConfigError("a bad-rate cut-off needs outcomes to be chosen")
            cutoff = cutoff_for_bad_rate(np.asarray(y)[passing], p, self.cutoff_target,
                                         confidence=self.cutoff_confidence)
        return replace(self, cutoff=cutoff)

    def with_cutoff(self, cutoff: float) -> Policy:
        """The same policy with another PD cut-off (the lender tightening or loosening)."""
        return replace(self, cutoff=float(cutoff), cutoff_method="fixed", cutoff_target=float(cutoff))

    # ------------------------------------------------------------------ decisions
    def check_columns(self, frame: pd.DataFrame, source: str = "scoring frame") -> None:
        """Refuse a frame that lacks a column a knock-out rule reads.

        A missing column must never mean "rule passed": an applicant who is overdue right
        now would be approved only because ``current_overdue`` was not sent along.

        Parameters
        ----------
        frame
            Applicants to be decided.
        source
            What ``frame`` is, for the error message.
        """
        missing = sorted({rule.feature for rule in self.knockouts} - set(frame.columns))
        if missing:
            rules = [rule.name for rule in self.knockouts if rule.feature in missing]
            raise DataError(source, [f"missing column(s) {missing} read by the knock-out "
                                     f"rule(s) {rules}; a rule is never skipped"])

    def knockout_mask(self, frame: pd.DataFrame) -> np.ndarray:
        """True for applicants a knock-out rule declines or refers (DataError if a column is
        missing): the applicants the cut-off never sees."""
        return self.knockout_codes(frame) > 0

    def knockout_outcomes(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(codes, referred, missing)``: the first rule that declines each applicant (else
        the first that refers one), whether it referred, whether a missing value decided.

        Why codes: the monthly lifecycle decides 100,000 borrowers two dozen times, and
        small integers cost nothing to compare and store, where names are strings.
        :attr:`knockout_labels` turns a code back into its name.
        """
        self.check_columns(frame)
        n = len(frame)
        dtype = np.int16 if len(self.knockouts) > 127 else np.int8
        codes, refer = np.zeros(n, dtype=dtype), np.zeros(n, dtype=dtype)
        by_missing = np.zeros(n, dtype=bool)
        for position in range(len(self.knockouts), 0, -1):
            rule = self.knockouts[position - 1]
            hit, gap = rule.hits(frame), rule.missing_mask(frame)
            declined = hit | gap if rule.missing == "decline" else hit
            codes[declined] = position
            by_missing[declined] = gap[declined]
            if rule.missing == "refer":
                refer[gap] = position
        referred = (codes == 0) & (refer > 0)  # only a missing value refers
        return np.where(referred, refer, codes).astype(dtype), referred, by_missing | referred

    def knockout_codes(self, frame: pd.DataFrame) -> np.ndarray:
        """Position + 1 in ``knockouts`` of the rule that knocks each applicant out (0: none):
        the codes of :meth:`knockout_outcomes`."""
        return self.knockout_outcomes(frame)[0]

    @property
    def knockout_labels(self) -> tuple[str, ...]:
        """``""`` (no rule hit) and each rule's name: the name of every knock-out code."""
        return ("", *(rule.name for rule in self.knockouts))

    def knockout_names(self, frame: pd.DataFrame) -> np.ndarray:
        """Name of the first knock-out rule each applicant hits ('' if none)."""
        return np.asarray(self.knockout_labels, dtype=object)[self.knockout_codes(frame)]

    def rule(self, name: str) -> KnockoutRule:
        for rule in self.knockouts:
            if rule.name == name:
                return rule
        raise KeyError(name)

    def decide_arrays(self, frame: pd.DataFrame, pd_: np.ndarray) -> Decisions:
        """The decisions as arrays: approved, knock-out code, PD and credit line.

        What :meth:`decide` tabulates; callers deciding many applicants repeatedly (the
        lifecycle) use the arrays and skip building string columns.

        Parameters
        ----------
        frame
            Applicants (the knock-out features and ``monthly_income``, if the line rule
            is to see incomes).
        pd_
            Their model PDs.

        Returns
        -------
        Decisions
            One entry per applicant, in ``frame``'s order.
        """
        if self.cutoff is None:
            raise ConfigError("the policy's cut-off is not chosen yet: call Policy.fit first")
        p = np.asarray(pd_, dtype=float)
        codes, referred, missing = self.knockout_outcomes(frame)
        approved = (codes == 0) & (p <= self.cutoff)
        # a file without an income column at all gets the minimum line (riskkit fit says so)
        income = frame["monthly_income"].to_numpy(dtype=float, na_value=np.nan) \
            if "monthly_income" in frame.columns else np.zeros(len(frame))
        no_income = approved & np.isnan(income)
        if self.missing_income == "refer" and no_income.any():
            approved, referred = approved & ~no_income, referred | no_income
        missing = missing | no_income
        line = np.where(approved, self.line_rule.line(income, p, self.cutoff), 0.0)
        return Decisions(approved, codes, p, line, self.knockout_labels, referred, missing)

    def decide(self, frame: pd.DataFrame, pd_: np.ndarray,
               score: np.ndarray | None = None) -> pd.DataFrame:
        """One row per applicant: decision, knockout, pd, score, credit_line."""
        return self.decide_arrays(frame, pd_).to_frame(frame.index, score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff_method": self.cutoff_method, "cutoff_target": self.cutoff_target,
            "cutoff": self.cutoff, "cutoff_confidence": self.cutoff_confidence,
            "knockouts": [asdict(r) for r in self.knockouts],
            "line": asdict(self.line_rule), "missing_income": self.missing_income,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Inverse of :meth:`to_dict`. A policy saved before missing values were a choice
        is read as it decided: its rules passed a missing value and a missing income got
        the minimum line."""
        return cls(cutoff_method=data["cutoff_method"], cutoff_target=data["cutoff_target"],
                   cutoff=data["cutoff"], cutoff_confidence=data.get("cutoff_confidence"),
                   knockouts=tuple(KnockoutRule(**{"missing": "pass", **r})
                                   for r in data["knockouts"]),
                   line_rule=LineRule(**data["line"]),
                   missing_income=data.get("missing_income", "minimum"))

    def missing_counts(self, decisions: pd.DataFrame) -> dict[str, Any]:
        """How often a missing value decided, from a decisions table (``decision``,
        ``knockout``, ``missing_value`` columns): what the run's policy metrics report.

        Returns
        -------
        dict
            ``referral_rate``, ``missing_decided_rate`` and ``missing_by_rule`` (rule name,
            or ``monthly_income``, -> share of applicants); empty without ``missing_value``.
        """
        if "missing_value" not in decisions.columns or decisions.empty:
            return {}
        gap = decisions["missing_value"].to_numpy(dtype=bool)
        names = decisions["knockout"].astype(str).to_numpy()
        n = len(decisions)
        by_rule = {rule.name: float(np.sum(gap & (names == rule.name)) / n)
                   for rule in self.knockouts}
        by_rule["monthly_income"] = float(np.sum(gap & (names == "")) / n)
        return {"referral_rate": float(np.mean(decisions["decision"].astype(str) == REFERRED)),
                "missing_decided_rate": float(gap.mean()), "missing_by_rule": by_rule}

    def missing_choices(self) -> dict[str, Any]:
        """The policy's stated choices for missing values: per rule, and for the income."""
        return {"knockouts": {rule.name: rule.missing for rule in self.knockouts},
                "income": self.missing_income}


def _missing_section(section: Any) -> dict[str, str]:
    """``policy.missing`` as ``{"knockouts": outcome, "income": choice}``, checked."""
    out = {"knockouts": "decline", "income": "refer"}
    if section is None:
        return out
    if not isinstance(section, Mapping) or set(section) - set(out):
        raise ConfigError("policy.missing: expected a mapping with knockouts (decline, refer or "
                          f"pass) and income (refer or minimum), got {section!r}")
    for key, allowed in (("knockouts", MISSING_OUTCOMES), ("income", MISSING_INCOME)):
        value = section.get(key, out[key])
        if value not in allowed:
            raise ConfigError(f"policy.missing.{key}: {value!r} is not one of {', '.join(allowed)}")
        out[key] = value
    return out


def _knockout_from_config(name: str, spec: Mapping[str, Any],
                          registry: Registry = F.SYNTHETIC,
                          missing: str = "decline") -> KnockoutRule:
    allowed = {"feature", "op", "value", "text_en", "text_zh", "missing"}
    if not isinstance(spec, Mapping) or set(spec) - allowed or not {"feature", "op", "value"} <= set(spec):
        raise ConfigError(f"policy.knockouts.{name}: expected keys feature, op, value "
                          f"(and optionally text_en, text_zh, missing), got {spec!r}")
    feature = spec["feature"]
    if feature not in registry:
        raise ConfigError(f"policy.knockouts.{name}: unknown feature {feature!r}")
    if not registry[feature].citable:
        raise ConfigError(f"policy.knockouts.{name}: feature {feature!r} may not be cited as a "
                          "reason, and a knock-out rule's decline always cites its feature")
    outcome = spec.get("missing", missing)
    if outcome not in MISSING_OUTCOMES:
        raise ConfigError(f"policy.knockouts.{name}.missing: {outcome!r} is not one of "
                          f"{', '.join(MISSING_OUTCOMES)}")
    text_en = spec.get("text_en") or f"{registry[feature].description_en} {spec['op']} {spec['value']}"
    text_zh = spec.get("text_zh") or f"{registry[feature].description_zh} {spec['op']} {spec['value']}"
    return KnockoutRule(name, feature, spec["op"], float(spec["value"]), text_en, text_zh,
                        outcome)
