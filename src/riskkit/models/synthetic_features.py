"""A guard: does a fitted model read the synthetic world's features (not a user's own columns)?

The personas (Zhang San, Li Si) and the lifecycle simulation are people and months of the
synthetic world: they have exactly the generator's features. A model fitted with
``riskkit fit`` on a user's own file reads that file's columns instead, so scoring a persona
or a simulated borrower with it cannot work. Saying so in one sentence beats the scoring
step's complaint about dozens of missing columns.
"""

from __future__ import annotations

from typing import Any

from riskkit.core import features as F
from riskkit.core.errors import ConfigError

#: Column names quoted in the message before "...": enough to recognise one's own file.
QUOTED = 3


def require_synthetic_features(model: Any, what: str, source: str) -> None:
    """Raise a short ConfigError when ``model`` reads columns the synthetic world lacks.

    Parameters
    ----------
    model
        A fitted riskkit model (``features_`` lists what it reads).
    what
        What needs the synthetic world, e.g. ``"the persona 'zhang_san'"``.
    source
        Where the model comes from (a run folder), for the message.

    Raises
    ------
    ConfigError
        Naming what is needed, a few of the model's own columns and what to do instead.
    """
    own = [name for name in getattr(model, "features_", ()) if name not in F.MODEL_FEATURES]
    if not own:
        return
    quoted = ", ".join(own[:QUOTED]) + (", ..." if len(own) > QUOTED else "")
    raise ConfigError(
        f"{source}: {what} needs riskkit's synthetic world: its borrowers have the generator's "
        f"{len(F.MODEL_FEATURES)} features (age, monthly_income, income_volatility, ...), but "
        f"this run's model was fitted on your own data and reads {len(own)} other column(s) "
        f"({quoted}); use a synthetic run (riskkit run configs/baseline.yaml)")
