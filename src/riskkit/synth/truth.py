"""The ground-truth risk function: true log-odds, true PD and exact true contributions.

The true log-odds of defaulting (90+ days past due within 12 months) is an explicit function
of the lender-visible model features only, so the oracle model (true PD) is the best any
model can do on this data. Its shape is a *world* (:mod:`riskkit.synth.worlds`):

    true_logit = intercept + macro_logit
                 + s * sum_k coef_k * f_k(x_j(k))                     (one-feature pieces)
                 + s * sum_m coef_m * a_m(x_l(m)) * b_m(x_r(m))       (product terms)

with ``s`` the overall signal: fixed (0.65) in the default baseline world, otherwise solved
so that the oracle's expected AUC on the reference sample hits the world's target, and the
intercept solved for the target bad rate. In the baseline world every piece is monotone in
the registry's direction and the one product is occupation x income volatility ("volatility
hurts more in a volatile industry").

Contributions are *exact interventional Shapley values* against a fixed reference sample
of the baseline population. Because every term is a one-feature function or a product of
two, the Shapley values have a closed form (no sampling, no 2^d enumeration):

* piece:  phi_j = g_j(x_j) - E[g_j]
* product a(x_o) * b(x_v):
    phi_o = 1/2 (a(x_o) E[b] - E[ab]) + 1/2 (a(x_o) b(x_v) - E[a] b(x_v))
    phi_v = 1/2 (E[a] b(x_v) - E[ab]) + 1/2 (a(x_o) b(x_v) - a(x_o) E[b])

(Shapley values are linear in the game, so terms simply add up) and
``sum(phi) == true_logit - base_logit`` row by row, with
``base_logit = intercept + macro_logit + sum_j E[g_j] + sum_m E[a_m b_m]``.

The reference sample is drawn with a fixed seed from the baseline scenario, independent of
the requested rows and seed, so a row's contributions never depend on the population size
or on how generation was chunked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.synth.draws import draw_reference_features
from riskkit.synth.worlds import (
    INTERACTION_SLOPE,
    NO_CARD_UTILISATION,
    OCCUPATION_EFFECT,
    PURPOSE_EFFECT,
    SIGNAL,
    VOLATILE_INDUSTRY,
    WorldSpec,
    world_spec,
)

__all__ = ["DEFAULT_BAD_RATE", "INTERACTION_SLOPE", "NO_CARD_UTILISATION", "OCCUPATION_EFFECT",
           "PURPOSE_EFFECT", "SIGNAL", "VOLATILE_INDUSTRY", "TruthModel", "expected_auc",
           "fit_truth", "reference_features", "truth_model"]

REFERENCE_ROWS = 200_000
REFERENCE_SEED = 20_261_129
#: The bad rate configs and the command line start from; never a default of a function
#: that needs the truth (those take a World, which says its bad rate).
DEFAULT_BAD_RATE = 0.04
#: Largest signal the solver tries before calling a target AUC unreachable.
MAX_SIGNAL = 5.0


def _terms(spec: WorldSpec, frame: pd.DataFrame, signal: float
           ) -> tuple[dict[str, np.ndarray], list[tuple[str, str, np.ndarray, np.ndarray]]]:
    """Per-feature sums of pieces and the product factors (left, right, a, b), scaled.

    The order of operations is that of the original baseline code (``signal * sum of
    coef * f``; the signal and coefficient sit on the product's right factor), so the
    baseline world reproduces its earlier bytes exactly.
    """
    world = spec.shape
    main: dict[str, np.ndarray] = {}
    for piece in world.pieces:
        value = piece.coef * piece.fn(frame)
        mult = spec.multiplier(piece.group) * (world.main_weight if piece.group == "main" else 1.0)
        if mult != 1.0:
            value = mult * value
        main[piece.feature] = value if piece.feature not in main else main[piece.feature] + value
    n = len(frame)
    terms = {name: signal * main[name] if name in main else np.zeros(n)
             for name in F.MODEL_FEATURES}
    if set(main) - set(F.MODEL_FEATURES):  # a world names a feature the registry lacks
        raise RuntimeError(f"world {world.name!r} has terms for {sorted(set(main) - set(terms))}, "
                           "which are not model features")
    mult = spec.multiplier("interaction")
    products = [(p.left.feature, p.right.feature, np.asarray(p.left.fn(frame), dtype=float),
                 (signal * p.coef * mult) * p.right.fn(frame)) for p in world.products]
    return terms, products


@dataclass(frozen=True)
class TruthModel:
    """The true risk function of one world with its reference expectations and intercept."""

    intercept: float
    macro_logit: float
    mean_terms: dict[str, float]
    mean_products: tuple[tuple[float, float, float], ...]  # (E[a], E[b], E[ab]) per product
    target_bad_rate: float
    spec: WorldSpec
    signal: float

    @property
    def base_logit(self) -> float:
        """Expected true log-odds over the reference population (plus the macro shift)."""
        return (self.intercept + self.macro_logit + sum(self.mean_terms.values())
                + sum(m[2] for m in self.mean_products))

    def evaluate(self, frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return (true_logit, {feature: exact Shapley contribution})."""
        terms, products = _terms(self.spec, frame, self.signal)
        contrib = {name: terms[name] - self.mean_terms[name] for name in F.MODEL_FEATURES}
        prods = []
        for (left, right, a, b), (mean_a, mean_b, mean_ab) in zip(products, self.mean_products,
                                                                  strict=True):
            ab = a * b
            contrib[left] = contrib[left] + 0.5 * (a * mean_b - mean_ab + ab - mean_a * b)
            contrib[right] = contrib[right] + 0.5 * (mean_a * b - mean_ab + ab - a * mean_b)
            prods.append(ab)
        logit = self.intercept + self.macro_logit + sum(terms.values()) + sum(prods)
        return np.asarray(logit, dtype=float), contrib

    def terms(self, frame: pd.DataFrame
              ) -> tuple[dict[str, np.ndarray], list[tuple[str, str, np.ndarray, np.ndarray]]]:
        """The true log-odds term by term on ``frame``: ({feature: sum of its one-feature
        pieces}, [(left, right, a, b) per product a * b]), signal and dials applied; what
        :mod:`riskkit.synth.background` needs to rebase the contributions on any sample."""
        return _terms(self.spec, frame, self.signal)

    def logit(self, frame: pd.DataFrame) -> np.ndarray:
        """The true log-odds alone: :meth:`evaluate`'s sum, without the contributions (the
        lifecycle asks for 100,000 borrowers' log-odds every month and never for these)."""
        terms, products = _terms(self.spec, frame, self.signal)
        prods = [a * b for _, _, a, b in products]
        logit = self.intercept + self.macro_logit + sum(terms.values()) + sum(prods)
        return np.asarray(logit, dtype=float)

    def pd(self, frame: pd.DataFrame) -> np.ndarray:
        return sigmoid(self.logit(frame))

    def formula(self) -> list[dict[str, object]]:
        """The true log-odds term by term, coefficients with the signal and dials applied."""
        world = self.spec.shape
        rows: list[dict[str, object]] = [{"term": "intercept", "features": [],
                                          "coefficient": self.intercept, "expression": "1"}]
        if self.macro_logit:
            rows.append({"term": "macro", "features": [], "coefficient": self.macro_logit,
                         "expression": "scenario shift"})
        for p in world.pieces:
            rows.append({"term": p.group, "features": [p.feature],
                         "coefficient": self.signal * p.coef * self.spec.multiplier(p.group)
                         * (world.main_weight if p.group == "main" else 1.0),
                         "expression": p.text})
        for p in world.products:
            rows.append({"term": "interaction", "features": [p.left.feature, p.right.feature],
                         "coefficient": self.signal * p.coef * self.spec.multiplier("interaction"),
                         "expression": f"{p.left.text} * {p.right.text}"})
        return rows

    def formula_text(self) -> str:
        """``true_logit = -3.2 + 0.29 * log1p(applications_30d) + ...``, one term a line."""
        lines = []
        for row in self.formula():
            coef = float(row["coefficient"])  # type: ignore[arg-type]
            if row["expression"] in ("1", "scenario shift"):
                lines.append(f"{coef:+.4f}" + ("" if row["expression"] == "1" else "  (scenario)"))
            elif coef != 0.0:
                lines.append(f"{coef:+.4f} * {row['expression']}")
        return "true_logit = " + "\n             ".join(lines)


def _shape(spec: WorldSpec, frame: pd.DataFrame) -> np.ndarray:
    """The log-odds at signal 1 without intercept: what the signal scales."""
    terms, products = _terms(spec, frame, 1.0)
    return sum(terms.values()) + sum(a * b for _, _, a, b in products)  # type: ignore[return-value]


def expected_auc(score: np.ndarray, p: np.ndarray) -> float:
    """The AUC that ``score`` has in expectation when outcomes are Bernoulli(``p``).

    Exact over all pairs (i != j), ties counted one half: the oracle's AUC without the
    noise of one draw of outcomes, which is what the signal is solved against.
    """
    _, group = np.unique(score, return_inverse=True)
    pos = np.bincount(group, weights=p)
    neg = np.bincount(group, weights=1.0 - p)
    below = np.cumsum(neg) - neg
    self_pairs = float(np.sum(p * (1.0 - p)))
    num = float(np.sum(pos * (below + 0.5 * neg))) - 0.5 * self_pairs
    return num / (float(pos.sum() * neg.sum()) - self_pairs)


def _intercept(f0: np.ndarray, target_bad_rate: float) -> float:
    """The intercept giving ``target_bad_rate`` on average (the bracket of the original
    baseline code, widened only when a strong signal needs it)."""
    reach = 30.0 if float(np.max(np.abs(f0))) < 25.0 else 30.0 + float(np.max(np.abs(f0)))
    with np.errstate(over="ignore"):
        return float(brentq(lambda c: float(sigmoid(c + f0).mean()) - target_bad_rate,
                            -reach, reach, xtol=1e-12))


def solve_signal(spec: WorldSpec, reference: pd.DataFrame, target_bad_rate: float) -> float:
    """The signal at which the oracle's expected AUC on ``reference`` is ``spec.target_auc``.

    Label noise is part of the target: the recorded outcome is the true one with
    probability ``1 - label_noise`` and a draw at the target bad rate otherwise.
    """
    h = _shape(spec, reference)
    noise = spec.label_noise

    def gap(s: float) -> float:
        p = sigmoid(_intercept(s * h, target_bad_rate) + s * h)
        return expected_auc(h, (1.0 - noise) * p + noise * target_bad_rate) - spec.target_auc

    if gap(MAX_SIGNAL) < 0:
        raise ConfigError(
            f"world {spec.name!r} with {spec.dials()} cannot reach an oracle AUC of "
            f"{spec.target_auc:g} (at most {gap(MAX_SIGNAL) + spec.target_auc:.3f}); lower "
            "'data.truth.target_auc' or 'data.truth.label_noise'")
    return float(brentq(gap, 1e-3, MAX_SIGNAL, xtol=1e-6))


def fit_truth(reference: pd.DataFrame, target_bad_rate: float, macro_logit: float,
              spec: WorldSpec) -> TruthModel:
    """The truth of the world ``spec`` against ``reference``, with an intercept giving
    ``target_bad_rate`` on it (and, outside the default baseline, the signal solved for the
    world's target AUC)."""
    if not 0.001 <= target_bad_rate <= 0.5:
        raise ValueError(f"target bad rate {target_bad_rate!r} must lie between 0.001 and 0.5")
    if not isinstance(spec, WorldSpec):
        raise TypeError(f"the truth needs a WorldSpec, got {spec!r}")
    signal = SIGNAL if spec.is_default_baseline else solve_signal(spec, reference, target_bad_rate)
    terms, products = _terms(spec, reference, signal)
    f0 = sum(terms.values()) + sum(a * b for _, _, a, b in products)
    intercept = _intercept(f0, target_bad_rate)  # type: ignore[arg-type]
    return TruthModel(intercept=intercept, macro_logit=macro_logit,
                      mean_terms={k: float(np.mean(v)) for k, v in terms.items()},
                      mean_products=tuple((float(a.mean()), float(b.mean()), float((a * b).mean()))
                                          for _, _, a, b in products),
                      target_bad_rate=target_bad_rate, spec=spec, signal=signal)


#: One fit of each truth at a time (re-entrant: a world's fit may ask for another truth).
_TRUTH_LOCK = threading.RLock()


@lru_cache(maxsize=1)
def reference_features() -> pd.DataFrame:
    """The fixed baseline reference sample (drawn once per process)."""
    return draw_reference_features(REFERENCE_ROWS, REFERENCE_SEED)


def start_truth_fit(target_bad_rate: float, spec: WorldSpec) -> None:
    """Begin fitting :func:`truth_model` ``(target_bad_rate, 0, spec)`` on a background thread.

    Why: drawing the 200,000-row reference sample is NumPy work that mostly runs without
    the GIL, so ``riskkit simulate`` starts it before importing the model stack (about a
    second of imports on one core); whoever asks for the truth next waits for this fit
    (the lock of :func:`truth_model`) instead of starting another.
    """
    threading.Thread(target=truth_model, args=(target_bad_rate, 0.0, spec), name="truth",
                     daemon=True).start()


def release_reference_sample() -> None:
    """Drop the cached reference sample; the truths fitted from it stay cached.

    Why: the sample (200,000 rows) holds about 50 MB for the rest of the process once the
    truths are fitted. The lifecycle fits every truth it needs first, then calls this, so
    the memory goes to the panel instead. A later fit draws the same sample again (a fixed
    seed), so nothing changes but the time of that draw.
    """
    with _TRUTH_LOCK:
        reference_features.cache_clear()


@lru_cache(maxsize=64)
def _cached_truth(target_bad_rate: float, spec: WorldSpec) -> TruthModel:
    return fit_truth(reference_features(), target_bad_rate, 0.0, spec)


def truth_model(target_bad_rate: float, macro_logit: float, world: WorldSpec) -> TruthModel:
    """The truth of the world ``world`` at ``target_bad_rate`` with the macro shift
    ``macro_logit``, against the baseline reference sample.

    Every argument is required: the truth has no default world. Callers outside
    :mod:`riskkit.synth` ask a :class:`riskkit.synth.world.World` (``world.truth(month)``),
    which knows all three. The fit (signal and intercept) does not depend on the macro
    shift, which only adds to the log-odds, so it is cached per bad rate and world spec and
    every macro shift (a drifting economy asks for one a month) costs nothing. Threads
    asking at once wait for one fit (the lifecycle fits its lender on a thread while
    generating its borrowers).

    Parameters
    ----------
    target_bad_rate : float
        The bad rate the intercept is solved for.
    macro_logit : float
        The economy's shift of every log-odds.
    world : WorldSpec
        The shape and its dials.

    Returns
    -------
    TruthModel
    """
    with _TRUTH_LOCK:
        fitted = _cached_truth(float(target_bad_rate), world_spec(world))
    macro = float(macro_logit)
    return fitted if macro == fitted.macro_logit else replace(fitted, macro_logit=macro)
