"""Eligibility decisions and credit lines: knock-out rules, a PD cut-off, a line formula.

The order is the lender's: hard knock-out rules first (currently overdue, too many lending
platforms, age outside the product's range), then a cut-off on the model's PD, then a credit
line that grows with income and shrinks with risk, rounded down to what a product shows.

The cut-off can be a fixed PD or be *chosen* for a target approval rate or a target bad
rate among approved applicants; :meth:`Policy.fit` resolves it on a validation sample with
:mod:`riskkit.evaluate.cutoffs` (ties approved or declined as a whole, the approval rate
never above its target), so the decision rule that is applied later is always a plain PD
threshold. A frame without a column a knock-out rule reads is an error, never a skipped rule.
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

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
        "==": operator.eq, "!=": operator.ne}

APPROVED = "approved"
DENIED = "denied"


@dataclass(frozen=True)
class KnockoutRule:
    """Deny outright when ``feature op value`` holds."""

    name: str
    feature: str
    op: str
    value: float
    text_en: str
    text_zh: str

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ConfigError(f"knock-out rule {self.name!r}: operator {self.op!r} is not one of "
                              f"{', '.join(_OPS)}")

    def hits(self, frame: pd.DataFrame) -> np.ndarray:
        values = frame[self.feature].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return np.asarray(_OPS[self.op](values, self.value)) & ~np.isnan(values)


DEFAULT_KNOCKOUTS: tuple[KnockoutRule, ...] = (
    KnockoutRule("currently_overdue", "current_overdue", ">=", 1,
                 "A repayment is overdue right now: settle it before applying again",
                 "当前存在逾期未还款项，请结清后再申请"),
    KnockoutRule("too_many_platforms", "active_platforms", ">", 8,
                 "Borrowing on more than 8 lending platforms at once",
                 "同时在超过8个借贷平台借款"),
    KnockoutRule("age_below_minimum", "age", "<", 20,
                 "Below the product's minimum age of 20", "未满产品要求的最低年龄20岁"),
    KnockoutRule("age_above_maximum", "age", ">", 55,
                 "Above the product's maximum age of 55", "超过产品允许的最高年龄55岁"),
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
    hit in ``labels[1:]`` (the policy's rule names at the time of deciding).
    """

    approved: np.ndarray
    knockout: np.ndarray
    pd: np.ndarray
    credit_line: np.ndarray
    labels: tuple[str, ...]

    def to_frame(self, index: pd.Index | None = None,
                 score: np.ndarray | None = None) -> pd.DataFrame:
        """The table :meth:`Policy.decide` returns: decision, knockout, pd, score, credit_line.

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
        out = pd.DataFrame({
            "decision": np.where(self.approved, APPROVED, DENIED),
            "knockout": np.asarray(self.labels)[self.knockout].astype(str),
            "pd": self.pd,
            "credit_line": self.credit_line,
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
        allowed = {"cutoff", "knockouts", "line"}
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
        knockouts = DEFAULT_KNOCKOUTS
        if "knockouts" in config:
            spec = config["knockouts"] or {}
            if not isinstance(spec, Mapping):
                raise ConfigError("policy.knockouts must map rule names to {feature, op, value}, "
                                  f"got {type(spec).__name__} {spec!r}")
            knockouts = tuple(_knockout_from_config(name, rule, registry or F.SYNTHETIC) for name, rule in spec.items())
        line_cfg = dict(config.get("line") or {})
        line_fields = set(LineRule.__dataclass_fields__)
        if set(line_cfg) - line_fields:
            raise ConfigError(f"policy.line: unknown key(s) {sorted(set(line_cfg) - line_fields)}; "
                              f"expected {sorted(line_fields)}")
        return cls(cutoff_method=method, cutoff_target=value,
                   cutoff=value if method == "fixed" else None,
                   cutoff_confidence=None if confidence is None else float(confidence),
                   knockouts=knockouts,
                   line_rule=LineRule(**{k: float(v) for k, v in line_cfg.items()}))

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
        """True for applicants who hit any knock-out rule (DataError if a column is missing)."""
        self.check_columns(frame)
        mask = np.zeros(len(frame), dtype=bool)
        for rule in self.knockouts:
            mask |= rule.hits(frame)
        return mask

    def knockout_codes(self, frame: pd.DataFrame) -> np.ndarray:
        """Position + 1 in ``knockouts`` of the first rule each applicant hits (0: none).

        Why codes: the monthly lifecycle decides 100,000 borrowers two dozen times, and
        small integers cost nothing to compare and store, where names are strings.
        :attr:`knockout_labels` turns a code back into its name.
        """
        self.check_columns(frame)
        codes = np.zeros(len(frame), dtype=np.int16 if len(self.knockouts) > 127 else np.int8)
        for position in range(len(self.knockouts), 0, -1):
            codes[self.knockouts[position - 1].hits(frame)] = position
        return codes

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
        codes = self.knockout_codes(frame)
        approved = (codes == 0) & (p <= self.cutoff)
        income = frame["monthly_income"].to_numpy(dtype=float, na_value=np.nan) \
            if "monthly_income" in frame.columns else np.zeros(len(frame))
        line = np.where(approved, self.line_rule.line(income, p, self.cutoff), 0.0)
        return Decisions(approved, codes, p, line, self.knockout_labels)

    def decide(self, frame: pd.DataFrame, pd_: np.ndarray,
               score: np.ndarray | None = None) -> pd.DataFrame:
        """One row per applicant: decision, knockout, pd, score, credit_line."""
        return self.decide_arrays(frame, pd_).to_frame(frame.index, score)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff_method": self.cutoff_method, "cutoff_target": self.cutoff_target,
            "cutoff": self.cutoff, "cutoff_confidence": self.cutoff_confidence,
            "knockouts": [asdict(r) for r in self.knockouts],
            "line": asdict(self.line_rule),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(cutoff_method=data["cutoff_method"], cutoff_target=data["cutoff_target"],
                   cutoff=data["cutoff"], cutoff_confidence=data.get("cutoff_confidence"),
                   knockouts=tuple(KnockoutRule(**r) for r in data["knockouts"]),
                   line_rule=LineRule(**data["line"]))


def _knockout_from_config(name: str, spec: Mapping[str, Any],
                          registry: Registry = F.SYNTHETIC) -> KnockoutRule:
    allowed = {"feature", "op", "value", "text_en", "text_zh"}
    if not isinstance(spec, Mapping) or set(spec) - allowed or not {"feature", "op", "value"} <= set(spec):
        raise ConfigError(f"policy.knockouts.{name}: expected keys feature, op, value "
                          f"(and optionally text_en, text_zh), got {spec!r}")
    feature = spec["feature"]
    if feature not in registry:
        raise ConfigError(f"policy.knockouts.{name}: unknown feature {feature!r}")
    text_en = spec.get("text_en") or f"{registry[feature].description_en} {spec['op']} {spec['value']}"
    text_zh = spec.get("text_zh") or f"{registry[feature].description_zh} {spec['op']} {spec['value']}"
    return KnockoutRule(name, feature, spec["op"], float(spec["value"]), text_en, text_zh)
