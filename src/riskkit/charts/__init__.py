"""Report-ready charts for credit-risk research.

Rules every chart follows, so they can be dropped into a report without touching them:

* ``ax=None`` draws a new figure, outside pyplot's global registry; passing ``ax`` draws
  into the caller's layout. Either way the function returns the ``Figure`` and never calls
  ``plt.show()``.
* Titles and axis labels are always set, with units; shares are shown as percentages.
* "Raises risk" is always ``RISK_UP`` and "lowers risk" ``RISK_DOWN``; the known truth is
  always ``TRUTH``, dashed.
* ``lang="zh"`` draws Chinese labels when a CJK font is installed and warns once and falls
  back to English when not. Call ``use_style(...)`` once per session (or use
  ``style_context``) to get the report or slides look and the CJK font.

``export(fig, name, folder)`` writes PNG (300 dpi), SVG and PDF atomically.
``plot_shap(explanation, kind)`` draws shap's own waterfall, beeswarm, bar, scatter or
heatmap and restyles it to these rules (``export_shap`` also writes it).
"""

from riskkit.charts.checklist import figure_problems, fit_titles, retitle
from riskkit.charts.effects import plot_approval_by_feature, plot_interaction
from riskkit.charts.explain import (
    plot_contrib_vs_truth,
    plot_dependence,
    plot_pdp_ice,
    plot_reason_frequency,
    plot_waterfall,
)
from riskkit.charts.fairness import plot_approval_by_group
from riskkit.charts.output import (
    FORMATS,
    ChartNameError,
    add_source_line,
    draw_and_export_all,
    export,
    export_all,
)
from riskkit.charts.performance import (
    plot_gains,
    plot_ks,
    plot_psi,
    plot_reliability,
    plot_roc,
    plot_score_distribution,
    plot_segment_metrics,
    plot_strategy_curve,
    plot_swap_set,
)
from riskkit.charts.shap_plots import export_shap, plot_shap, restyle_shap
from riskkit.charts.style import (
    NEUTRAL,
    PALETTE,
    RISK_DOWN,
    RISK_UP,
    TRUTH,
    WARN,
    CJKFont,
    MissingFontWarning,
    find_cjk_font,
    label,
    resolve_lang,
    style_context,
    use_style,
)
from riskkit.charts.timeline import plot_line
from riskkit.charts.validation import plot_false_alarms, plot_power

__all__ = [
    "FORMATS",
    "NEUTRAL",
    "PALETTE",
    "RISK_DOWN",
    "RISK_UP",
    "TRUTH",
    "WARN",
    "CJKFont",
    "ChartNameError",
    "MissingFontWarning",
    "add_source_line",
    "draw_and_export_all",
    "export",
    "export_all",
    "export_shap",
    "figure_problems",
    "find_cjk_font",
    "fit_titles",
    "label",
    "plot_approval_by_feature",
    "plot_approval_by_group",
    "plot_contrib_vs_truth",
    "plot_dependence",
    "plot_false_alarms",
    "plot_gains",
    "plot_interaction",
    "plot_ks",
    "plot_line",
    "plot_pdp_ice",
    "plot_power",
    "plot_psi",
    "plot_reason_frequency",
    "plot_reliability",
    "plot_roc",
    "plot_score_distribution",
    "plot_segment_metrics",
    "plot_shap",
    "plot_strategy_curve",
    "plot_swap_set",
    "plot_waterfall",
    "resolve_lang",
    "restyle_shap",
    "retitle",
    "style_context",
    "use_style",
]
