"""What the sections share: the population and default model they time, and number formats."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.bench.sizes import SEED, WORLD
from riskkit.core import features as F
from riskkit.models import LGBMModel
from riskkit.scale.train import encode_partition


def split_population(rows: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``rows`` applicants of the bench's ``WORLD`` (its seed) as 60/20/20 train, valid, test."""
    pop = WORLD.generate(rows, SEED)
    a, b = int(rows * 0.6), int(rows * 0.8)
    return pop.iloc[:a], pop.iloc[a:b], pop.iloc[b:].reset_index(drop=True)


def fit_default(train: pd.DataFrame, valid: pd.DataFrame,
                params: dict[str, Any] | None = None) -> LGBMModel:
    """An LGBMModel with the project's default parameters (under ``params``).

    Trained on one thread: training is not what is measured, and LightGBM's OpenMP threads
    slow down several-fold when other processes compete for the cores, which on a shared
    machine would make the bench's duration unpredictable for nothing.
    """
    return LGBMModel(params=params, contrib_engine="fast", num_threads=1).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])


def booster_matrix(model: LGBMModel, frame: pd.DataFrame) -> np.ndarray:
    """The float matrix the model's booster reads (categoricals as codes of its levels)."""
    return np.ascontiguousarray(encode_partition(frame, model.features_, model.levels_)
                                .to_numpy(dtype=float))


def number(x: float) -> str:
    """A rate or size for the printed table: thousands separators, or 3 significant digits."""
    return f"{x:,.0f}" if x >= 100 else f"{x:,.3g}"


def times(ratio: float) -> str:
    """A speed ratio in words: "4.0x faster" above 1, "2.0x slower" below."""
    return f"{ratio:,.1f}x faster" if ratio >= 1 else f"{1 / ratio:,.1f}x slower"
