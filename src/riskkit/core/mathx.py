"""The logistic function and its inverse: one implementation for the whole package."""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from scipy.special import logit as _scipy_logit


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """Probability from log-odds, ``1 / (1 + exp(-x))``, without overflow warnings.

    scipy's ``expit`` is used because it is exact to rounding and stays quiet for large
    negative log-odds, where the textbook formula overflows ``exp``.

    Parameters
    ----------
    x:
        Log-odds.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1].
    """
    return expit(np.asarray(x, dtype=float))


def logit(p: np.ndarray | float, eps: float = 1e-12) -> np.ndarray:
    """Log-odds from a probability, clipped to ``[eps, 1 - eps]`` so 0 and 1 stay finite.

    Parameters
    ----------
    p:
        Probabilities.
    eps:
        Clipping margin.

    Returns
    -------
    numpy.ndarray
        Log-odds.
    """
    return _scipy_logit(_clip_probability(p, eps))


def ratio_logit(p: np.ndarray | float, eps: float = 1e-12) -> np.ndarray:
    """``log(q / (1 - q))`` of ``p`` clipped as :func:`logit` clips it (same parameters).

    Why a second form: the lifecycle's cut-offs and the retraining loop were computed (and
    their panels pinned) with this expression, which differs from scipy's ``logit`` in the
    last bit for about a quarter of values; switching would change those panels' bytes.
    """
    q = _clip_probability(p, eps)
    return np.log(q / (1 - q))


def _clip_probability(p: np.ndarray | float, eps: float) -> np.ndarray:
    """``p`` as floats in ``[eps, 1 - eps]``, so that both log-odds forms stay finite."""
    return np.clip(np.asarray(p, dtype=float), eps, 1.0 - eps)
