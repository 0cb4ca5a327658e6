"""Reporting: the run report, the notebooks' runner and helpers, and .py <-> .ipynb pairing.

* the report (``riskkit report``): :mod:`~riskkit.reporting.report` assembles it from
  :mod:`~riskkit.reporting.sections` (one module per section a reader sees, in one ordered
  list), reading the run through :mod:`~riskkit.reporting.view`, with verdicts from
  :mod:`~riskkit.reporting.findings`, numbers from :mod:`~riskkit.reporting.numbers`,
  HTML from :mod:`~riskkit.reporting.page` and words from :mod:`~riskkit.reporting.words`;
* the notebooks: :mod:`~riskkit.reporting.notebooks` runs them headless
  (``riskkit notebooks``), :mod:`~riskkit.reporting.in_notebook` is what a notebook calls
  (``setup``, ``publisher``, ``load_population``), :mod:`~riskkit.reporting.sync` pairs
  the sources with ``.ipynb`` files, :mod:`~riskkit.reporting.power_words` words notebook
  09's power study, :mod:`~riskkit.reporting.narration` publishes and checks a notebook's
  claims, :mod:`~riskkit.reporting.story_tables` makes the small tables notebooks 01-04's
  sentences read;
* :mod:`~riskkit.reporting.cli`: the ``validate`` commands (``riskkit.cli`` is full).

The what-if panel is its own package, :mod:`riskkit.widgets`.
"""
