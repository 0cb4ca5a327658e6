"""The what-if panel: move an applicant's features in JupyterLab, watch the decision follow.

    from riskkit.widgets import what_if, compare
    what_if(run, "zhang_san")                 # one panel (a persona, an applicant id, a row)
    compare(run, ("zhang_san", "li_si"))      # two panels side by side

One control per registry feature (see :func:`riskkit.explain.whatif.controls`): immutable
features are shown and locked; overdue history is locked too and moves only with the
**months waited** slider, which ages every time-decaying feature the way recourse does
(windows empty, the credit history grows); counts move by whole numbers, amounts and ratios
by the registry's step. Every change re-decides the applicant through the run's deployed
model and policy and shows the PD, the decision, the credit line, the top reasons (English
or Chinese), the verified recourse and, for a synthetic run, the true PD beside the model's.
Moving the months slider resets the count sliders to the aged counts.

Headless runs. papermill executes a notebook without a browser: there is no frontend to
draw widgets, and the exported HTML must not carry widget scripts. A panel therefore shows
a **static snapshot** (an HTML table of the same numbers) unless it knows a live frontend is
there. :func:`live_frontend` decides, in this order:

1. ``interactive=True/False`` passed to :func:`what_if`: notebooks declare a parameter
   ``interactive = True`` in their ``parameters`` cell, and riskkit's notebook runner
   (``riskkit notebooks``) injects ``interactive=False`` into every notebook that declares
   it; with plain papermill, pass ``-p interactive False``;
2. the environment variable ``RISKKIT_HEADLESS=1``, which riskkit's runner also sets for the
   kernels it starts;
3. otherwise a panel is live when it runs inside a Jupyter kernel (an IPython shell with a
   kernel attached) and static anywhere else (a plain script, a terminal IPython).

ipywidgets comes with the ``notebooks`` extra (``pip install riskkit[notebooks]``).

Modules: :mod:`~riskkit.widgets.context` (the run a panel reads, the applicant, the
frontend), :mod:`~riskkit.widgets.panel` (the panel, the comparison, ``what_if`` and
``compare``). The package sits above :mod:`riskkit.explain` (whose
:mod:`~riskkit.explain.whatif` computes what a panel shows, without widgets) and the
notebook runner (whose headless runs it detects).
"""

from riskkit.widgets.context import RunContext, live_frontend, resolve_applicant
from riskkit.widgets.panel import WhatIfComparison, WhatIfPanel, compare, what_if

__all__ = ["RunContext", "WhatIfComparison", "WhatIfPanel", "compare", "live_frontend",
           "resolve_applicant", "what_if"]
