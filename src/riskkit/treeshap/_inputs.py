"""Turn a DataFrame or array into the float64 matrix LightGBM itself would predict on.

Mirrors ``lightgbm.basic._data_from_pandas`` (a private function, so it is re-stated here
rather than imported): pandas ``category`` columns become the codes of the categories the
model was trained with (``booster.pandas_categorical``), with unseen values and NaN as NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.core.errors import DataError
from riskkit.trees import ZERO_THRESHOLD


def _align_columns(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Put the columns in the model's order.

    LightGBM replaces spaces in feature names by underscores, so compare on that spelling.
    Unlike ``booster.predict`` (which uses columns by position), a permuted frame is
    re-ordered by name instead of being explained with the wrong columns.
    """
    spelled = [str(c).replace(" ", "_") for c in frame.columns]
    if spelled == names:
        return frame
    missing = [n for n in names if n not in spelled]
    extra = [c for c in spelled if c not in names]
    if missing or extra or len(set(spelled)) != len(spelled):
        problems = []
        if missing:
            problems.append(f"missing model features {missing}")
        if extra:
            problems.append(f"columns the model does not know {extra}")
        if len(set(spelled)) != len(spelled):
            problems.append("duplicated column names")
        raise DataError("contributions input", problems)
    position = {name: i for i, name in enumerate(spelled)}
    return frame.iloc[:, [position[n] for n in names]]


def _frame_to_matrix(
    frame: pd.DataFrame, names: list[str], pandas_categorical: list[list[Any]] | None
) -> np.ndarray:
    frame = _align_columns(frame, names)
    cat_cols = [i for i, d in enumerate(frame.dtypes) if isinstance(d, pd.CategoricalDtype)]
    problems = []
    if cat_cols and not pandas_categorical:
        problems.append(
            "category columns given, but the model was not trained on pandas categoricals; "
            "pass the category codes as numbers"
        )
    elif cat_cols and len(cat_cols) != len(pandas_categorical or []):
        problems.append(
            f"{len(cat_cols)} category columns, the model was trained with "
            f"{len(pandas_categorical or [])}"
        )
    for i, dtype in enumerate(frame.dtypes):
        if i not in cat_cols and not (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        ):
            problems.append(f"column {frame.columns[i]!r} has non-numeric dtype {dtype}")
    if problems:
        raise DataError("contributions input", problems)
    out = np.empty(frame.shape, dtype=np.float64)
    cats = iter(pandas_categorical or [])
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if i in cat_cols:
            categories = next(cats)
            if list(col.cat.categories) != list(categories):
                col = col.cat.set_categories(categories)
            codes = col.cat.codes.to_numpy(dtype=np.float64)
            codes[codes == -1] = np.nan
            out[:, i] = codes
        else:
            out[:, i] = col.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def to_matrix(
    data: pd.DataFrame | np.ndarray, names: list[str], pandas_categorical: list[list[Any]] | None
) -> np.ndarray:
    """A C-contiguous float64 copy of ``data`` with LightGBM's reading of tiny values.

    Values with ``|v| <= 1e-35f`` are set to 0.0, as LightGBM's dense-row reader does
    before any split sees them.
    """
    if isinstance(data, pd.DataFrame):
        x = _frame_to_matrix(data, names, pandas_categorical)
    else:
        x = np.array(data, dtype=np.float64, order="C", copy=True)
        if x.ndim != 2 or x.shape[1] != len(names):
            raise DataError(
                "contributions input",
                [f"expected a 2-d array with {len(names)} columns, got shape {x.shape}"],
            )
    x[np.abs(x) <= ZERO_THRESHOLD] = 0.0
    return x
