"""``riskkit.widgets.what_if`` and ``compare``: the what-if panel under the name users type.

The code lives in :mod:`riskkit.reporting.widgets` (the reporting layer, next to the notebook
runner whose headless runs it must detect); this package only re-exports it. It needs
ipywidgets (``pip install riskkit[notebooks]``).
"""

from riskkit.reporting.widgets import (
    RunContext,
    WhatIfComparison,
    WhatIfPanel,
    compare,
    live_frontend,
    what_if,
)

__all__ = ["RunContext", "WhatIfComparison", "WhatIfPanel", "compare", "live_frontend", "what_if"]
