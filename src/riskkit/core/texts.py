"""Every user-facing string riskkit prints outside the feature registry, in English and Chinese.

One table, so a translator edits one file and a missing Chinese string is a failing test
rather than a chart or page in mixed languages. Keys are grouped by where they appear
(charts, feature effects, lifecycle, letters); feature names, units and reason templates live
with each feature in the registry (:mod:`riskkit.core.registry`), not here.
"""

from __future__ import annotations

LANGS = ("en", "zh")

TEXT: dict[str, tuple[str, str]] = {
    # shared
    "pd_axis": ("Predicted PD (%)", "预测违约概率（%）"),
    "score_axis": ("Score (points)", "评分（分）"),
    "goods": ("Goods", "好客户"),
    "bads": ("Bads", "坏客户"),
    "random": ("Random model", "随机模型"),
    "feature": ("Feature", "特征"),
    "missing": ("missing", "缺失"),
    "n_a": ("n/a", "无"),
    "model": ("Model (SHAP)", "模型（SHAP）"),
    "truth": ("True effect", "真实效应"),
    "contrib_y": ("Contribution to log-odds", "对数几率贡献"),
    "logodds_y": ("Model output (log-odds)", "模型输出（对数几率）"),
    "raises": ("Raises risk", "增加风险"),
    "lowers": ("Lowers risk", "降低风险"),
    # metric names
    "auc": ("AUC", "AUC"),
    "gini": ("Gini", "基尼系数"),
    "ks": ("KS", "KS"),
    "bad_rate": ("Bad rate", "坏账率"),
    "mean_pd": ("Mean PD", "平均预测违约率"),
    # ROC / KS / distribution
    "roc_title": ("ROC curve", "ROC曲线"),
    "roc_x": ("Goods declined: false-positive rate (%)", "被拒好客户占比：假阳性率（%）"),
    "roc_y": ("Bads declined: true-positive rate (%)", "被拒坏客户占比：真阳性率（%）"),
    "ks_title": ("KS: cumulative score distributions", "KS：好坏客户得分累计分布"),
    "ks_y": ("Cumulative share with score ≤ x (%)", "得分不超过x的累计占比（%）"),
    "dist_title": ("Score distribution of goods and bads", "好坏客户得分分布"),
    "dist_y": ("Share of group per bin (%)", "组内占比（%）"),
    # calibration / gains / strategy
    "rel_title": ("Calibration: predicted PD vs. observed bad rate", "校准：预测违约率与实际坏账率"),
    "rel_x": ("Mean predicted PD per bin (%)", "分组平均预测违约率（%）"),
    "rel_y": ("Observed bad rate (%)", "实际坏账率（%）"),
    "perfect": ("Perfect calibration", "完美校准"),
    "gains_title": ("Gains: bads caught by declining the riskiest", "累计捕获率：拒绝高风险客户捕获的坏客户"),
    "gains_x": ("Applicants declined, riskiest first (%)", "拒绝客户占比（风险由高到低，%）"),
    "gains_y": ("Bads captured (%)", "捕获坏客户占比（%）"),
    "strategy_title": ("Strategy curve: bad rate of the approved book", "策略曲线：通过客户的坏账率"),
    "approval_x": ("Approval rate (%)", "通过率（%）"),
    "approved_bad_y": ("Bad rate among approved (%)", "通过客户坏账率（%）"),
    # stability / segments
    "psi_title": ("Population stability by feature (PSI)", "特征稳定性（PSI）"),
    "psi_x": ("PSI (unitless)", "PSI（无单位）"),
    "stable": ("Stable", "稳定"),
    "watch": ("Watch", "关注"),
    "shifted": ("Shifted", "显著偏移"),
    "segment_title": ("Model performance by segment", "分群模型表现"),
    "segment_x": ("Value (0–1)", "数值（0–1）"),
    "segment_y": ("Segment", "分群"),
    "swap_title": ("Swap set: who each model approves", "换入换出分析：两个模型各自批准的客户"),
    "swap_x": ("Applicants (%)", "申请人占比（%）"),
    "swap_bad": ("bad rate {rate}", "坏账率 {rate}"),
    # explanations
    "wf_title": ("Why this PD: {base} → {final}", "违约概率解释：{base} → {final}"),
    "wf_x": ("Log-odds of default (contribution per feature)", "违约对数几率（各特征贡献）"),
    "wf_top": ("PD (%)", "违约概率（%）"),
    "base_row": ("Average applicant (base)", "平均申请人（基准）"),
    "final_row": ("This applicant", "该申请人"),
    "others": ("{n} other features", "其他{n}个特征"),
    "reason_title": ("Most frequent reasons for decline", "最常见的拒绝原因"),
    "reason_x": ("Applicants (count)", "申请人数（人）"),
    "cvt_title": ("Feature importance: model vs. true effect", "特征重要性：模型与真实效应"),
    "cvt_x": ("Mean |contribution| (log-odds)", "平均绝对贡献（对数几率）"),
    "dep_title": ("Dependence: {feature}", "依赖图：{feature}"),
    "pdp_title": ("Partial dependence and ICE: {feature}", "部分依赖与个体条件期望：{feature}"),
    "pdp": ("Partial dependence (mean)", "部分依赖（均值）"),
    "ice": ("Individual curves (ICE)", "个体曲线（ICE）"),
    # feature effects (riskkit.charts.effects)

    "effect_approval": ("Approval rate, deployed model", "通过率（当前模型）"),
    "effect_approval_truth": ("Approval rate if the true PD were known", "通过率（若已知真实违约概率）"),
    "effect_bad_rate": ("Bad rate among approved", "通过客户坏账率"),
    "effect_true_pd": ("Mean true PD, all applicants", "平均真实违约概率（全部申请人）"),
    "effect_approval_y": ("Approval rate (%)", "通过率（%）"),
    "effect_bad_y": ("Bad rate / PD (%)", "坏账率 / 违约概率（%）"),
    "effect_approval_title": ("Approval by {feature}", "{feature}与通过率"),
    "effect_interaction_title": ("{feature} by {by}: model (solid) vs. truth (dashed)",
                          "{feature}与{by}的交互：模型（实线）与真实（虚线）"),
    "effect_logit_y": ("Partial dependence (log-odds)", "部分依赖（对数几率）"),
    "effect_pd_y": ("Partial dependence: PD (%)", "部分依赖：违约概率（%）"),
    # shap's plots, restyled
    "shap_beeswarm_title": ("Contribution of each feature, one dot per applicant",
                            "各特征的贡献（每点一位申请人）"),
    "shap_value_bar": ("Feature value", "特征值"),
    "shap_bar_title": ("Mean size of each feature's contribution", "各特征平均贡献大小"),
    "shap_heatmap_title": ("Contributions, applicant by applicant", "逐个申请人的特征贡献"),
    "shap_heatmap_x": ("Applicants, similar explanations side by side", "申请人（解释相近者相邻）"),
    # the validation battery and its power study (riskkit.validate, charts.validation)
    "vt.auc": ("AUC", "AUC"), "vt.gini": ("Gini", "基尼系数"), "vt.ks": ("KS", "KS"),
    "vt.auc_decline": ("AUC decline (DeLong)", "AUC下降检验（DeLong）"),
    "vt.binomial": ("Binomial, per grade (Holm)", "二项检验，按等级（Holm校正）"),
    "vt.binomial_any": ("Binomial, any grade (no correction)", "二项检验，任一等级（未校正）"),
    "vt.binomial_grade": ("Binomial, one grade", "二项检验，单个等级"),
    "vt.jeffreys": ("Jeffreys, per grade (Holm)", "Jeffreys检验，按等级（Holm校正）"),
    "vt.jeffreys_any": ("Jeffreys, any grade (no correction)", "Jeffreys检验，任一等级（未校正）"),
    "vt.jeffreys_grade": ("Jeffreys, one grade", "Jeffreys检验，单个等级"),
    "vt.normal": ("Normal approximation, per grade (Holm)", "正态近似检验，按等级（Holm校正）"),
    "vt.normal_any": ("Normal approximation, any grade", "正态近似检验，任一等级（未校正）"),
    "vt.normal_grade": ("Normal approximation, one grade", "正态近似检验，单个等级"),
    "vt.binomial_portfolio": ("Binomial, whole portfolio", "二项检验，全组合"),
    "vt.jeffreys_portfolio": ("Jeffreys, whole portfolio", "Jeffreys检验，全组合"),
    "vt.hosmer_lemeshow": ("Hosmer-Lemeshow", "Hosmer-Lemeshow检验"),
    "vt.spiegelhalter": ("Spiegelhalter", "Spiegelhalter检验"),
    "vt.brier": ("Brier score", "Brier分数"), "vt.hhi": ("Concentration (HHI)", "集中度（HHI）"),
    "vt.hhi_change": ("Concentration change (ECB)", "集中度变化（欧央行检验）"),
    "vt.psi": ("PSI, significance test", "PSI显著性检验"), "vt.psi_rule": ("PSI at least 0.1", "PSI不低于0.1"),
    "vt.csi": ("CSI, significance test", "CSI显著性检验"), "vt.csi_rule": ("CSI at least 0.1", "CSI不低于0.1"),
    "vt.migration": ("Migration symmetry (Bowker)", "迁移对称性（Bowker检验）"),
    "vt.migration_rule": ("Migration bandwidth (MWB)", "迁移带宽（MWB）"),
    "power_title": ("How often each test flags: {defect}, {n} applicants",
                    "各检验的报警频率：{defect}，{n}名申请人"),
    "power_y": ("Samples flagged at the 5% level (%)", "在5%水平上报警的样本占比（%）"),
    "power_nominal": ("Nominal level", "名义水平"), "power_80": ("80% power", "80%检验功效"),
    "false_alarm_title": ("False alarms when nothing is wrong", "无缺陷时的误报率"),
    "false_alarm_x": ("Share of samples flagged (%)", "报警样本占比（%）"),
    "sample_size": ("{n} applicants", "{n}名申请人"),
    "defect.pd_scale": ("Model PD / true PD", "模型违约概率 / 真实违约概率"),
    "defect.grade_scale": ("PD of one grade / true PD", "单个等级违约概率 / 真实违约概率"),
    "defect.lost_driver": ("Share of the driver's effect lost", "丢失的驱动因素效应占比"),
    "defect.drift": ("Drift (downturns a year)", "漂移（每年的经济下行幅度）"),
    "defect.correlation": ("Asset correlation within a month", "月内资产相关系数"),
}


def text(key: str, lang: str = "en", **fields: object) -> str:
    """The string ``key`` in ``lang`` ("en" or "zh"), with ``{fields}`` filled in.

    Parameters
    ----------
    key:
        A key of :data:`TEXT`.
    lang:
        ``"en"`` or ``"zh"`` (anything else reads as English).
    **fields:
        Values for the template's ``{placeholders}``.

    Returns
    -------
    str
    """
    en, zh = TEXT[key]
    template = zh if lang == "zh" else en
    return template.format(**fields) if fields else template
