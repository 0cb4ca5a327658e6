"""LightGBM trees, read once and routed one way: the layer under the predictor and TreeSHAP.

:func:`read_booster` reads a booster's model text into a :class:`TreeModel` whose
:class:`Trees` are flat arrays (nodes in pre-order, leaves left to right); :func:`route_block` decides one split for a block of rows
exactly as LightGBM does (numerical, categorical and missing values), and
:func:`route_block_words` applies the same decisions to the predictor's leaf words. ``riskkit.models``
predicts with them and ``riskkit.treeshap`` explains with them; this package imports
nothing of riskkit.
"""

from riskkit.trees.booster import (
    CATEGORICAL,
    DEFAULT_LEFT,
    MISSING_NAN,
    MISSING_NONE,
    MISSING_SHIFT,
    MISSING_ZERO,
    TreeModel,
    Trees,
    parse_model,
    read_booster,
)
from riskkit.trees.route import (
    ZERO_THRESHOLD,
    Splits,
    route_block,
    route_block_words,
)

__all__ = [
    "CATEGORICAL",
    "DEFAULT_LEFT",
    "MISSING_NAN",
    "MISSING_NONE",
    "MISSING_SHIFT",
    "MISSING_ZERO",
    "ZERO_THRESHOLD",
    "Splits",
    "TreeModel",
    "Trees",
    "parse_model",
    "read_booster",
    "route_block",
    "route_block_words",
]
