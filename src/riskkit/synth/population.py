"""Vectorised, seeded generator of a borrower population at application time.

The correlations come from a mechanism, not from independent draws:

1. age drives occupation (students are young), occupation and city tier drive the income
   level; occupation (and youth in the internet industry) drives how much income moves;
2. a 12-month income history is simulated with month-to-month noise and shocks; the lender
   sees its mean (``monthly_income``) and its coefficient of variation
   (``income_volatility``);
3. a latent *financial strain* grows with volatility and low income, and drives borrowing
   frequency (applications, platforms, loans), debt, card utilisation and overdue history;
4. the ground truth (``truth.py``, in the requested world) turns the visible features into a
   true PD, and the outcome ``default_12m`` is drawn from it (with the world's label noise,
   a share of recorded outcomes replaced by a draw at the target bad rate).

The features do not depend on the world: the same seed gives the same applicants in every
world, so worlds differ only in who defaults and why.

Rows are generated in fixed blocks of ``BLOCK_ROWS``, each from its own random stream
``SeedSequence(seed, spawn_key=(scenario, block))``, so row *i* is the same whatever the
number of rows requested, the chunking or the engine (in-process or Dask).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import sigmoid
from riskkit.synth.draws import OCC_SHOCK_PROB, block_rng, draw_features
from riskkit.synth.scenarios import Scenario
from riskkit.synth.truth import truth_model
from riskkit.synth.worlds import WorldSpec

BLOCK_ROWS = 65_536

__all__ = ["BLOCK_ROWS", "OCC_SHOCK_PROB", "add_truth", "block_rng", "check_arguments",
           "draw_features", "generate_block", "iter_blocks"]


def add_truth(frame: pd.DataFrame, scenario: Scenario, bad_rate: float,
              spec: WorldSpec) -> pd.DataFrame:
    """Append true_logit, true_pd and true_contrib__* columns (returns a new frame).

    Every argument is required: the truth of ``spec`` at ``bad_rate`` with ``scenario``'s
    macro shift. :class:`riskkit.synth.world.World` is the usual caller.
    """
    model = truth_model(bad_rate, scenario.macro_logit, spec)
    logit, contrib = model.evaluate(frame)
    extra = {"true_logit": logit, "true_pd": sigmoid(logit)}
    extra.update({F.contrib_column(k): contrib[k] for k in F.MODEL_FEATURES})
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)


def generate_block(seed: int, scenario: Scenario, block: int, bad_rate: float,
                   rows: int, spec: WorldSpec) -> pd.DataFrame:
    """Generate one full block (or its first ``rows`` rows) with truth and outcome."""
    rng = block_rng(seed, scenario, block)
    frame = draw_features(rng, BLOCK_ROWS, scenario)
    frame = add_truth(frame, scenario, bad_rate, spec)
    default = (rng.random(BLOCK_ROWS) < frame["true_pd"].to_numpy()).astype(np.int64)
    if spec.label_noise > 0:  # drawn after the outcome: a noiseless world keeps its bytes
        noisy = rng.random(BLOCK_ROWS) < spec.label_noise
        coin = (rng.random(BLOCK_ROWS) < bad_rate).astype(np.int64)
        default = np.where(noisy, coin, default)
    frame.insert(0, F.ID_COLUMN, np.arange(block * BLOCK_ROWS, (block + 1) * BLOCK_ROWS,
                                           dtype=np.int64) + 1)
    frame[F.TARGET] = default
    frame = frame[F.population_columns()]
    return frame.iloc[:rows].reset_index(drop=True) if rows < BLOCK_ROWS else frame


def check_arguments(rows: int, seed: int, bad_rate: float) -> None:
    if not isinstance(rows, (int, np.integer)) or isinstance(rows, bool) or rows < 1:
        raise ConfigError(f"rows must be a positive whole number, got {rows!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigError(f"seed must be a non-negative whole number, got {seed!r}")
    if not 0.001 <= float(bad_rate) <= 0.5:
        raise ConfigError(f"bad rate must lie between 0.001 and 0.5, got {bad_rate!r}")


def iter_blocks(rows: int, seed: int, scenario: Scenario, bad_rate: float, spec: WorldSpec,
                quiet: bool = True, start_block: int = 0) -> Iterator[pd.DataFrame]:
    """Yield the population block by block (bounded memory for large populations).

    ``scenario`` is the economy the applicants are drawn in (a named scenario, or one a
    drifting calendar moved: :meth:`riskkit.synth.world.World.scenario_at`); its random
    stream index keeps two scenarios' draws apart.
    """
    check_arguments(rows, seed, bad_rate)
    n_blocks = -(-rows // BLOCK_ROWS)
    for block in tqdm(range(start_block, n_blocks), desc="generate", unit="block",
                      disable=quiet, leave=False):
        take = min(BLOCK_ROWS, rows - block * BLOCK_ROWS)
        yield generate_block(seed, scenario, block, bad_rate, take, spec)
