"""Feature effects of a fitted model, each next to the same effect of the true risk function.

A model that ranks applicants well can still tell the wrong story about *why*: credit
teams, regulators and applicants all read effects ("one more lending platform costs this
much PD"). riskkit knows the true risk function, so every effect here is computed twice,
with the same rows and the same grid: once through the model, once through
the run's own true risk function (``world.truth().logit``, passed in: there is no default
truth) on the very same modified rows. Any gap on a chart is then the
model's, never a difference in how the two curves were made.

* :func:`partial_dependence` / :func:`true_effect`: ICE curves for a seeded sample of rows
  and their mean (the partial dependence), as PD or log-odds;
* :func:`interaction`: two-way partial dependence (e.g. income volatility by occupation);
* :func:`dependence`: feature value vs. the model's and the true contribution (SHAP
  dependence);
* :func:`monotonicity_violations`: share of ICE curves moving against the registry's
  risk direction;
* :func:`approval_by_feature`: approval rate, bad rate and true PD by bins of a feature;
* :func:`effect_summary` and :func:`oracle_gap`: one-table answers to "is the model's
  effect the true one" and "how close is the model to the oracle".

Their charts (approval by feature, the interaction) are in :mod:`riskkit.charts.effects`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.mathx import sigmoid
from riskkit.synth.truth import TruthModel

Output = Literal["pd", "logit"]
Predict = Callable[[pd.DataFrame], np.ndarray]

#: Quantiles the default grid spans: the extreme half percent at each end is left out,
#: where a handful of rows would decide the curve.
GRID_QUANTILES = (0.005, 0.995)
#: Rows predicted at once (sample rows x grid points), to bound memory.
CHUNK_ROWS = 100_000
MISSING_BIN = "missing"


# ----------------------------------------------------------------------------- grids
def sample_rows(frame: pd.DataFrame, sample: int | None = 2000, seed: int = 0) -> pd.DataFrame:
    """A seeded sample of rows (in their original order); all rows when ``sample`` is None
    or not smaller than the frame. Model and truth curves use the same call, so they
    describe the same applicants."""
    if sample is None or sample >= len(frame):
        return frame
    if sample < 1:
        raise ConfigError(f"sample must be a positive number of rows or None, got {sample!r}")
    idx = np.sort(np.random.default_rng(seed).choice(len(frame), sample, replace=False))
    return frame.iloc[idx]


def _is_categorical(values: pd.Series, feature: str) -> bool:
    known = F.REGISTRY.get(feature)
    if known is not None:
        return known.is_categorical
    return not pd.api.types.is_numeric_dtype(values.dtype) or isinstance(
        values.dtype, pd.CategoricalDtype)


def _is_integer(values: pd.Series, feature: str) -> bool:
    known = F.REGISTRY.get(feature)
    if known is not None and known.dtype == "int":
        return True
    x = values.dropna().to_numpy(dtype=float)
    return bool(x.size) and bool(np.all(x == np.round(x)))


def feature_grid(values: pd.Series, feature: str, n_grid: int = 20,
                 quantiles: tuple[float, float] = GRID_QUANTILES) -> np.ndarray:
    """The grid a feature's effect is drawn over.

    Categoricals: their registry levels (or the observed ones). Integer features (counts,
    days): whole numbers, every one from the low to the high quantile when they fit in
    ``n_grid`` points, else ``n_grid`` evenly spaced whole numbers -- a count of 2.4
    applications is not a value anyone has. Floats: the quantiles between the two bounds,
    so the grid is dense where applicants are. Missing values are never grid points.
    """
    if _is_categorical(values, feature):
        known = F.REGISTRY.get(feature)
        if known is not None and known.categories:
            return np.asarray(known.categories, dtype=object)
        return np.asarray(sorted(map(str, values.dropna().unique())), dtype=object)
    if n_grid < 2:
        raise ConfigError(f"n_grid must be at least 2, got {n_grid!r}")
    x = values.to_numpy(dtype=float, na_value=np.nan)
    x = x[~np.isnan(x)]
    if not x.size:
        raise DataError(feature, ["has no non-missing values to build a grid from"])
    lo, hi = np.quantile(x, quantiles)
    if _is_integer(values, feature):
        lo, hi = np.floor(lo), max(np.ceil(hi), np.floor(lo) + 1)
        if hi - lo + 1 <= n_grid:
            return np.arange(lo, hi + 1)
        return np.unique(np.round(np.linspace(lo, hi, n_grid)))
    return np.unique(np.quantile(x, np.linspace(*quantiles, n_grid)))


# ----------------------------------------------------------------------------- ICE / PD
def _predictor(logit: Predict, output: Output) -> Predict:
    """Log-odds as they are, or PD through the one sigmoid both model and truth share."""
    if output == "pd":
        return lambda frame: sigmoid(np.asarray(logit(frame), dtype=float))
    if output == "logit":
        return logit
    raise ConfigError(f"output must be 'pd' or 'logit', got {output!r}")


def _set_column(frame: pd.DataFrame, feature: str, values: np.ndarray) -> None:
    """Overwrite a column with grid values, keeping a categorical column categorical."""
    dtype = frame[feature].dtype
    if isinstance(dtype, pd.CategoricalDtype):
        levels = list(dict.fromkeys([*dtype.categories, *map(str, pd.unique(values))]))
        frame[feature] = pd.Categorical(values, categories=levels)
    else:
        frame[feature] = values


def ice_curves(predict: Predict, rows: pd.DataFrame, feature: str,
               grid: np.ndarray) -> np.ndarray:
    """``predict`` on every row with ``feature`` set to each grid value: (n_rows, n_grid).

    Rows are stacked (row-major, grid fastest) so each model is called once per chunk of
    ``CHUNK_ROWS`` predictions instead of once per grid point.
    """
    n, k = len(rows), len(grid)
    out = np.empty((n, k))
    step = max(1, CHUNK_ROWS // max(k, 1))
    for start in range(0, n, step):
        part = rows.iloc[start:start + step]
        stacked = part.iloc[np.repeat(np.arange(len(part)), k)].reset_index(drop=True)
        _set_column(stacked, feature, np.tile(np.asarray(grid), len(part)))
        out[start:start + len(part)] = np.asarray(predict(stacked), dtype=float).reshape(-1, k)
    return out


def _columns(frame: pd.DataFrame, feature: str, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Only the columns predictions read: copying 45 columns per grid point is waste."""
    wanted = [c for c in dict.fromkeys([*F.MODEL_FEATURES, *extra, feature]) if c in frame.columns]
    return frame[wanted]


def _curves(predict: Predict, frame: pd.DataFrame, feature: str, grid: Any, n_grid: int,
            sample: int | None, seed: int, extra: Sequence[str]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if feature not in frame.columns:
        raise DataError("frame", [f"has no column {feature!r}"])
    values = np.asarray(grid, dtype=object if _is_categorical(frame[feature], feature) else float) \
        if grid is not None else feature_grid(frame[feature], feature, n_grid)
    rows = _columns(sample_rows(frame, sample, seed), feature, extra)
    ice = ice_curves(predict, rows, feature, values)
    return values, ice, ice.mean(axis=0)


def partial_dependence(model: Any, frame: pd.DataFrame, feature: str, grid: Any = None,
                       n_grid: int = 20, sample: int | None = 2000, seed: int = 0,
                       output: Output = "pd") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(grid, ice, pdp)`` of a fitted model: ICE curves (n_rows x n_grid) for a seeded
    sample of ``frame`` and their mean, as PD (``output="pd"``) or log-odds (``"logit"``).

    Pass the same ``grid``, ``sample`` and ``seed`` to :func:`true_effect` for the true
    curves of the same applicants.
    """
    features = tuple(getattr(model, "features_", ()))
    return _curves(_predictor(model.predict_logit, output), frame, feature, grid, n_grid, sample,
                   seed, features)


def true_effect(frame: pd.DataFrame, feature: str, grid: Any = None, n_grid: int = 20,
                sample: int | None = 2000, seed: int = 0, output: Output = "pd",
                *, truth: TruthModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same ``(grid, ice, pdp)`` as :func:`partial_dependence`, through the true risk
    function ``truth`` of the frame's world (``run.world.truth()``; required: a default
    would put the baseline world's curve beside another world's model)."""
    return _curves(_predictor(_required(truth).logit, output), frame, feature, grid, n_grid,
                   sample, seed, ())


def _required(truth: TruthModel | None) -> TruthModel:
    if truth is None:
        raise ConfigError("the true effect needs the frame's truth (truth=run.world.truth()); "
                          "data of your own has none")
    return truth


def interaction(model: Any, frame: pd.DataFrame, feature: str = "income_volatility",
                by: str = "occupation", grid: Any = None, levels: Sequence[Any] | None = None,
                n_grid: int = 15, sample: int | None = 1000, seed: int = 0,
                output: Output = "logit", *, truth: TruthModel) -> pd.DataFrame:
    """Two-way partial dependence: ``feature`` over its grid with ``by`` set to each level
    for every sampled row, through the model and through the truth.

    Long table ``by, feature, model, truth``. Log-odds by default: on the PD scale the
    sigmoid alone bends curves apart, which would look like an interaction that is not in
    the risk function.
    """
    values = feature_grid(frame[feature], feature, n_grid) if grid is None else np.asarray(grid)
    levels = list(levels) if levels is not None else list(feature_grid(frame[by], by))
    base = sample_rows(frame, sample, seed)
    parts = []
    for level in levels:
        rows = base.copy()
        _set_column(rows, by, np.full(len(rows), level, dtype=object)
                    if _is_categorical(frame[by], by) else np.full(len(rows), float(level)))
        _, _, model_pd = partial_dependence(model, rows, feature, values, sample=None,
                                            output=output)
        _, _, true_pd = true_effect(rows, feature, values, sample=None, output=output,
                                    truth=truth)
        parts.append(pd.DataFrame({by: level, feature: values, "model": model_pd,
                                   "truth": true_pd}))
    return pd.concat(parts, ignore_index=True)


def monotonicity_violations(model: Any, frame: pd.DataFrame, feature: str, grid: Any = None,
                            n_grid: int = 20, sample: int | None = 2000, seed: int = 0,
                            tol: float = 1e-9) -> float:
    """Share of ICE curves (log-odds) that move against the registry's risk direction.

    A curve violates when any step along the grid goes the wrong way by more than ``tol``
    (log-odds). Zero for a LightGBM fitted with the registry's monotone constraints; NaN
    for a feature without a direction (categoricals, ``direction="none"``).
    """
    sign = F.get(feature).monotone_sign
    if sign == 0:
        return float("nan")
    _, ice, _ = partial_dependence(model, frame, feature, grid, n_grid, sample, seed, "logit")
    return _violations(ice, sign, tol)


def _violations(ice: np.ndarray, sign: int, tol: float = 1e-9) -> float:
    if sign == 0 or not len(ice):
        return float("nan")
    return float(np.mean(((np.diff(ice, axis=1) * sign) < -tol).any(axis=1)))


# ----------------------------------------------------------------------------- contributions
def model_contributions(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """A model's contributions measured like the truth's: SHAP values for LightGBM, a
    scorecard's against its mean WoE (not its best bin, the adverse-action view)."""
    if getattr(model, "name", "") == "scorecard":
        return model.contributions(frame, reference="mean")
    return model.contributions(frame)


def true_contributions(frame: pd.DataFrame, features: Sequence[str],
                       truth: TruthModel | None = None) -> pd.DataFrame:
    """The exact true contributions: the frame's ``true_contrib__*`` columns when present
    (written by its world), else computed from its features by ``truth`` (an edited or
    re-scored frame: then ``truth``, the frame's world's, is required)."""
    cols = {f: F.contrib_column(f) for f in features}
    if all(c in frame.columns for c in cols.values()):
        return pd.DataFrame({f: frame[c].to_numpy(dtype=float) for f, c in cols.items()},
                            index=frame.index)
    _, contrib = _required(truth).evaluate(frame)
    return pd.DataFrame({f: contrib[f] for f in features}, index=frame.index)


def dependence(model: Any, frame: pd.DataFrame, feature: str,
               contributions: pd.DataFrame | None = None,
               truth: TruthModel | None = None) -> pd.DataFrame:
    """Feature value vs. the model's contribution and the true one (``value, model, truth``),
    the input of :func:`riskkit.charts.plot_dependence`.

    ``contributions`` (the model's, for ``frame``) saves recomputing them per feature;
    ``truth`` is needed only for a frame without ``true_contrib__*`` columns.
    """
    contrib = contributions if contributions is not None else model_contributions(model, frame)
    if len(contrib) != len(frame):
        raise DataError("contributions", [f"have {len(contrib)} rows but the frame has {len(frame)}"])
    true = true_contributions(frame, [feature], truth)[feature]
    return pd.DataFrame({"value": frame[feature].to_numpy(),
                         "model": contrib[feature].to_numpy(dtype=float),
                         "truth": true.to_numpy(dtype=float)}, index=frame.index)


# ----------------------------------------------------------------------------- approvals
def _align_decisions(frame: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Decisions in the frame's row order: by ``applicant_id`` when both have it (a run's
    decisions hold every split), else by position."""
    if F.ID_COLUMN in decisions.columns and F.ID_COLUMN in frame.columns:
        table = decisions.drop_duplicates(F.ID_COLUMN).set_index(F.ID_COLUMN)
        missing = ~frame[F.ID_COLUMN].isin(table.index)
        if missing.any():
            raise DataError("decisions", [f"have no decision for {int(missing.sum())} applicants "
                                          "of the frame"])
        return table.loc[frame[F.ID_COLUMN].to_numpy()].reset_index()
    if len(decisions) != len(frame):
        raise DataError("decisions", [f"have {len(decisions)} rows but the frame has {len(frame)} "
                                      f"and there is no {F.ID_COLUMN!r} column to match them"])
    return decisions.reset_index(drop=True)


def feature_bins(values: pd.Series, feature: str, n_bins: int = 10) -> pd.Series:
    """Bin label of every value: categorical levels; equal-frequency bins of a number
    labelled by the smallest and largest value inside (ties stay in one bin, so a count
    with most rows at 0 gets a "0" bin); missing values in their own bin."""
    if _is_categorical(values, feature):
        return values.astype(object).where(values.notna(), MISSING_BIN).astype(str)
    x = values.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(x)
    # inner edges only: a value with a point mass (zero applications) keeps a bin of its own
    inner = np.unique(np.quantile(x[ok], np.linspace(0, 1, n_bins + 1))[1:-1]) if ok.any() \
        else np.array([])
    codes = np.searchsorted(inner, x, side="left")
    known = F.REGISTRY.get(feature)
    fmt = known.format_value if known is not None else (lambda v: f"{v:g}")
    labels = np.full(len(x), MISSING_BIN, dtype=object)
    for code in np.unique(codes[ok]):
        inside = ok & (codes == code)
        lo, hi = x[inside].min(), x[inside].max()
        labels[inside] = fmt(lo) if lo == hi else f"{fmt(lo)}–{fmt(hi)}"
    return pd.Series(labels, index=values.index, name=feature)


def approval_by_feature(frame: pd.DataFrame, decisions: pd.DataFrame, feature: str,
                        n_bins: int = 10, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Approval rate, bad rates and PDs by bins of ``feature``, in the feature's order.

    ``decisions`` are a run's decisions (matched on ``applicant_id``) or a
    ``Policy.decide`` frame in the frame's row order. ``reference`` is a second set of
    decisions, e.g. the same policy run on the true PD: ``approval_rate_truth`` then says
    how the bins would be treated if the lender knew each applicant's true risk.
    """
    dec = _align_decisions(frame, decisions)
    approved = (dec["decision"] == "approved").to_numpy()
    data = pd.DataFrame({"bin": feature_bins(frame[feature], feature, n_bins).to_numpy(),
                         "value": frame[feature].to_numpy(), "approved": approved})
    if F.TARGET in frame.columns:
        y = frame[F.TARGET].to_numpy(dtype=float)
        data["bad"] = y
        data["bad_approved"] = np.where(approved, y, np.nan)
    if "true_pd" in frame.columns:
        data["true_pd"] = frame["true_pd"].to_numpy(dtype=float)
    if "pd" in dec.columns:
        data["model_pd"] = dec["pd"].to_numpy(dtype=float)
    if reference is not None:
        ref = _align_decisions(frame, reference)
        data["approved_truth"] = (ref["decision"] == "approved").to_numpy()
    grouped = data.groupby("bin", sort=False)
    table = pd.DataFrame({"count": grouped.size(), "approval_rate": grouped["approved"].mean()})
    if "approved_truth" in data:
        table["approval_rate_truth"] = grouped["approved_truth"].mean()
    if "bad" in data:
        table["bad_rate"] = grouped["bad"].mean()
        table["bad_rate_approved"] = grouped["bad_approved"].mean()
    for col in ("true_pd", "model_pd"):
        if col in data:
            table[f"mean_{col}"] = grouped[col].mean()
    table["share"] = table["count"] / len(frame)
    order = _bin_order(data, feature)
    return table.loc[[b for b in order if b in table.index]].rename_axis("bin").reset_index()


def _bin_order(data: pd.DataFrame, feature: str) -> list[str]:
    """Bins in the feature's natural order: by value for numbers, registry order for levels,
    the missing bin last."""
    bins = [b for b in pd.unique(data["bin"]) if b != MISSING_BIN]
    if _is_categorical(data["value"], feature):
        known = F.REGISTRY.get(feature)
        rank = {c: i for i, c in enumerate(known.categories or ())} if known is not None else {}
        bins.sort(key=lambda b: (rank.get(b, len(rank)), b))
    else:
        lowest = data.groupby("bin")["value"].min()
        bins.sort(key=lambda b: float(lowest[b]))
    return bins + ([MISSING_BIN] if (data["bin"] == MISSING_BIN).any() else [])


# ----------------------------------------------------------------------------- summaries
def effect_summary(model: Any, frame: pd.DataFrame, features: Sequence[str],
                   sample: int | None = 1000, seed: int = 0, n_grid: int = 20,
                   *, truth: TruthModel) -> pd.DataFrame:
    """One row per feature: the model's and the true effect across the grid (log-odds, low
    end to high end), the RMSE between the two partial-dependence curves after centring
    (a level shift is not a disagreement about the effect) and the monotonicity violations.
    """
    rows = []
    for feature in features:
        grid, ice, model_pd = partial_dependence(model, frame, feature, None, n_grid, sample,
                                                 seed, "logit")
        _, _, true_pd = true_effect(frame, feature, grid, sample=sample, seed=seed,
                                    output="logit", truth=truth)
        gap = (model_pd - model_pd.mean()) - (true_pd - true_pd.mean())
        known = F.get(feature)
        rows.append({"feature": feature, "direction": known.direction,
                     "grid_low": grid[0], "grid_high": grid[-1],
                     "model_effect": float(model_pd[-1] - model_pd[0]),
                     "true_effect": float(true_pd[-1] - true_pd[0]),
                     "rmse_vs_truth": float(np.sqrt(np.mean(gap**2))),
                     "monotonicity_violations": _violations(ice, known.monotone_sign)})
    return pd.DataFrame(rows).set_index("feature")


def oracle_gap(models: Mapping[str, Any], frame: pd.DataFrame, approval_rate: float = 0.75,
               oracle: str = "oracle") -> pd.DataFrame:
    """How close each model comes to the oracle (the true PD) on ``frame``.

    Columns: Gini and its share of the oracle's Gini (the ranking a model recovers), the
    bad rate among the approved at ``approval_rate`` and its excess over the oracle's (what
    the gap costs a lender), and the RMSE / correlation of the model's log-odds against the
    true log-odds (how well it knows each applicant's risk, not only the order).
    """
    if F.TARGET not in frame.columns or "true_logit" not in frame.columns:
        raise DataError("frame", [f"needs {F.TARGET!r} and 'true_logit' (a synthetic population)"])
    y = frame[F.TARGET].to_numpy()
    true_logit = frame["true_logit"].to_numpy(dtype=float)
    rows = {}
    for name, model in models.items():
        p = model.predict_pd(frame)
        logit = model.predict_logit(frame)
        approved = p <= ev.cutoff_for_approval_rate(p, approval_rate)
        rows[name] = {"gini": ev.gini(y, p),
                      "bad_rate_approved": float(y[approved].mean()) if approved.any() else np.nan,
                      "approval_rate": float(approved.mean()),
                      "rmse_logit_vs_truth": float(np.sqrt(np.mean((logit - true_logit) ** 2))),
                      "corr_logit_vs_truth": float(np.corrcoef(logit, true_logit)[0, 1])}
    table = pd.DataFrame.from_dict(rows, orient="index")
    if oracle in table.index:
        table["share_of_oracle_gini"] = table["gini"] / table.loc[oracle, "gini"]
        table["excess_bad_rate"] = table["bad_rate_approved"] - table.loc[oracle, "bad_rate_approved"]
    table.index.name = "model"
    return table


# ----------------------------------------------------------------------------- charts
