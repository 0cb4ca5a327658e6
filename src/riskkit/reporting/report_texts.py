"""Every word of the run report, in English and Chinese: one table, ``{key: {"en", "zh"}}``.

One table so that ``--lang zh`` can be complete (a test renders the report in both languages
and checks no English is left in the Chinese one's prose) and so that it can move as it is
into the project's single text catalogue. Keys: ``k.<metric key>`` for the words of a
metrics.json / data card / manifest key, ``model.``, ``split.``, ``attr.`` for names,
``sec.`` for section titles, ``sum.`` for the summary, ``v.`` for verdict words, and one
prefix per section for its sentences. Sentences are :meth:`str.format` templates whose
fields receive numbers already formatted by :mod:`riskkit.reporting.report_format`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "TEXTS", "humanise", "label", "text"]

LANGS = ("en", "zh")
#: Key prefixes looked up as they are (``val.none`` must not fall back to ``k.none``).
_NAMESPACES = ("model.", "split.", "attr.", "stage.", "who.", "lang.", "val.", "unit.")
_ACRONYMS = {"roc": "ROC", "ks": "KS", "psi": "PSI", "csi": "CSI", "pdp": "PDP", "ice": "ICE",
             "shap": "SHAP", "lgbm": "LightGBM", "auc": "AUC", "pd": "PD", "woe": "WoE",
             "ece": "ECE", "oot": "OOT", "tpr": "TPR", "fpr": "FPR"}

TEXTS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- metric and card keys
    "k.auc": {"en": "AUC", "zh": "AUC"},
    "k.gini": {"en": "Gini", "zh": "基尼系数"},
    "k.ks": {"en": "KS", "zh": "KS值"},
    "k.brier": {"en": "Brier score", "zh": "Brier分数"},
    "k.log_loss": {"en": "Log loss", "zh": "对数损失"},
    "k.ece": {"en": "Calibration error (ECE)", "zh": "校准误差（ECE）"},
    "k.psi": {"en": "Score stability (PSI)", "zh": "评分稳定性（PSI）"},
    "k.csi": {"en": "Feature stability (CSI)", "zh": "特征稳定性（CSI）"},
    "k.psi_reference": {"en": "PSI compares", "zh": "PSI比较区间"},
    "k.csi_reference": {"en": "CSI compares", "zh": "CSI比较区间"},
    "k.csi_max": {"en": "Largest feature shift (CSI)", "zh": "最大特征偏移（CSI）"},
    "k.csi_max_feature": {"en": "Feature that shifted most", "zh": "偏移最大的特征"},
    "k.model": {"en": "Model", "zh": "模型"},
    "k.approval_rate": {"en": "Approval rate", "zh": "批准率"},
    "k.bad_rate_approved": {"en": "Bad rate among approved", "zh": "批准客户坏账率"},
    "k.bad_rate_denied": {"en": "Bad rate among declined", "zh": "拒绝客户坏账率"},
    "k.knockout_rate": {"en": "Declined by knock-out rules", "zh": "因硬性规则被拒比例"},
    "k.mean_credit_line": {"en": "Mean credit line (approved)", "zh": "平均授信额度（获批）"},
    "k.total_credit_line": {"en": "Total credit granted", "zh": "授信总额"},
    "k.cutoff_pd": {"en": "PD cut-off", "zh": "违约概率阈值"},
    "k.cutoff_method": {"en": "Cut-off chosen by", "zh": "阈值确定方式"},
    "k.cutoff_target": {"en": "Cut-off target", "zh": "阈值目标"},
    "k.fidelity_top3": {"en": "Top-3 reasons agree with the truth", "zh": "前三原因与真实一致率"},
    "k.additivity_max_err": {"en": "Largest additivity error (log-odds)", "zh": "最大可加性误差（对数几率）"},
    "k.null_attribution_share": {"en": "Attribution on features without effect",
                                 "zh": "无效应特征的归因占比"},
    "k.rank_correlation": {"en": "Rank correlation with true contributions", "zh": "与真实贡献的秩相关"},
    "k.n_denied": {"en": "Declined applicants explained", "zh": "已解释的被拒申请人数"},
    "k.method": {"en": "Calibration method", "zh": "校准方法"},
    "k.applied": {"en": "Calibration applied", "zh": "是否校准"},
    "k.slope": {"en": "Calibration slope", "zh": "校准斜率"},
    "k.intercept": {"en": "Calibration intercept", "zh": "校准截距"},
    "k.ece_bins": {"en": "Calibration bins", "zh": "校准分箱数"},
    "k.n_rows": {"en": "Rows used", "zh": "使用行数"},
    "k.observed_bad_rate": {"en": "Observed bad rate", "zh": "实际坏账率"},
    "k.ece_before": {"en": "ECE before calibration (validation)", "zh": "校准前ECE（验证集）"},
    "k.ece_after": {"en": "ECE after calibration (validation)", "zh": "校准后ECE（验证集）"},
    "k.mean_pd_before": {"en": "Mean PD before calibration", "zh": "校准前平均违约概率"},
    "k.mean_pd_after": {"en": "Mean PD after calibration", "zh": "校准后平均违约概率"},
    "k.note": {"en": "Note", "zh": "说明"},
    "k.ece_test_before": {"en": "ECE before calibration (test)", "zh": "校准前ECE（测试集）"},
    "k.ece_test_after": {"en": "ECE after calibration (test)", "zh": "校准后ECE（测试集）"},
    "k.n": {"en": "Applicants", "zh": "申请人数"},
    "k.tpr_decline": {"en": "True bads declined", "zh": "真实坏客户被拒比例"},
    "k.fpr_decline": {"en": "True goods declined", "zh": "真实好客户被拒比例"},
    "k.mean_pd": {"en": "Mean model PD", "zh": "模型平均违约概率"},
    "k.mean_true_pd": {"en": "Mean true PD", "zh": "平均真实违约概率"},
    "k.adverse_impact_ratio": {"en": "Adverse impact ratio", "zh": "不利影响比"},
    "k.four_fifths_flag": {"en": "Below four-fifths", "zh": "低于五分之四"},
    "k.knockout_share": {"en": "Share of declines", "zh": "占拒绝比例"},
    "k.auc_all": {"en": "AUC, all applicants", "zh": "AUC（全部申请人）"},
    "k.auc_rejects": {"en": "AUC, rejected applicants", "zh": "AUC（被拒申请人）"},
    "k.pred_bad_rate_rejects": {"en": "Predicted bad rate, rejected", "zh": "预测坏账率（被拒申请人）"},
    "k.true_bad_rate_rejects": {"en": "True bad rate, rejected", "zh": "真实坏账率（被拒申请人）"},
    "k.ece_all": {"en": "ECE, all applicants", "zh": "ECE（全部申请人）"},
    "k.rows": {"en": "Applicants", "zh": "申请人数"},
    "k.bad_rate": {"en": "Bad rate", "zh": "坏账率"},
    "k.bads": {"en": "Bads", "zh": "坏客户数"},
    "k.scenario": {"en": "Scenario", "zh": "情景"},
    "k.oot_scenario": {"en": "Out-of-time scenario", "zh": "跨时间样本情景"},
    "k.world": {"en": "World", "zh": "模拟世界"},
    "k.base_logit": {"en": "Base log-odds", "zh": "基准对数几率"},
    "k.oracle_auc": {"en": "Oracle AUC", "zh": "真值模型AUC"},
    "k.name": {"en": "Name", "zh": "名称"},
    "k.seed": {"en": "Random seed", "zh": "随机种子"},
    "k.status": {"en": "Status", "zh": "状态"},
    "k.versions": {"en": "Package versions", "zh": "软件包版本"},
    "k.platform": {"en": "Platform", "zh": "运行平台"},
    "k.git_commit": {"en": "Code version (git commit)", "zh": "代码版本（git提交）"},
    "k.data_fingerprints": {"en": "Data fingerprints (SHA-256)", "zh": "数据指纹（SHA-256）"},
    "k.data_stored": {"en": "Data stored in the run", "zh": "运行中保存了数据"},
    "k.timings_s": {"en": "Stage times (seconds)", "zh": "各阶段用时（秒）"},
    "k.files": {"en": "Files", "zh": "文件"},
    "k.feature": {"en": "Feature", "zh": "特征"},
    "k.description": {"en": "Meaning", "zh": "含义"},
    "k.unit": {"en": "Unit", "zh": "单位"},
    "k.direction": {"en": "Risk direction", "zh": "风险方向"},
    "k.model_feature": {"en": "Model input", "zh": "模型输入"},
    "k.protected": {"en": "Protected", "zh": "受保护属性"},
    "k.split": {"en": "Sample", "zh": "样本"},
    "k.share": {"en": "Share", "zh": "占比"},
    "k.declined": {"en": "Declined", "zh": "拒绝"},
    "k.approved": {"en": "Approved", "zh": "批准"},
    "k.verdict": {"en": "Verdict", "zh": "结论"},
    "k.rule": {"en": "Knock-out rule", "zh": "硬性规则"},
    "k.level": {"en": "Group", "zh": "群体"},
    "k.attribute": {"en": "Attribute", "zh": "属性"},
    "k.reject_method": {"en": "Method", "zh": "方法"},
    # ---------------------------------------------------------------- values
    "val.approval_rate": {"en": "target approval rate", "zh": "目标批准率"},
    "val.bad_rate": {"en": "target bad rate", "zh": "目标坏账率"},
    "val.fixed": {"en": "fixed PD", "zh": "固定违约概率"},
    "val.platt": {"en": "Platt scaling", "zh": "Platt缩放"},
    "val.isotonic": {"en": "isotonic regression", "zh": "保序回归"},
    "val.none": {"en": "none", "zh": "无"},
    "val.approved": {"en": "approved", "zh": "批准"},
    "val.denied": {"en": "declined", "zh": "拒绝"},
    "val.complete": {"en": "complete", "zh": "完整"},
    "val.increasing": {"en": "higher value, higher risk", "zh": "数值越高风险越高"},
    "val.decreasing": {"en": "higher value, lower risk", "zh": "数值越高风险越低"},
    "val.baseline": {"en": "baseline", "zh": "基准"},
    "val.downturn": {"en": "downturn", "zh": "经济下行"},
    "val.accepted_only": {"en": "accepted only", "zh": "仅用已批准样本"},
    "val.reweighting": {"en": "re-weighting", "zh": "重新加权"},
    "val.hard_cutoff": {"en": "hard cut-off", "zh": "硬截断"},
    "val.fuzzy": {"en": "fuzzy augmentation", "zh": "模糊扩充"},
    "val.parcelling": {"en": "parcelling", "zh": "分组赋值"},
    "val.extrapolation": {"en": "extrapolation", "zh": "外推"},
    "val.self_learning": {"en": "bias-aware self-learning", "zh": "偏差感知自学习"},
    "val.full_information": {"en": "everyone's outcomes (no lender has them)",
                             "zh": "全部结果（任何贷款机构都无法获得）"},
    "val.incumbent": {"en": "incumbent model", "zh": "现行模型"},
    "yes": {"en": "yes", "zh": "是"},
    "sep.list": {"en": ", ", "zh": "、"},
    "sep.semi": {"en": "; ", "zh": "；"},
    "sep.sentence": {"en": " ", "zh": ""},
    "paren": {"en": "{a} ({b})", "zh": "{a}（{b}）"},
    "no": {"en": "no", "zh": "否"},
    "vs": {"en": " vs ", "zh": "对比"},
    "unit.years": {"en": "years", "zh": "岁"},
    "unit.tier": {"en": "tier", "zh": "级"},
    "unit.CNY": {"en": "CNY", "zh": "元"},
    "unit.CNY/month": {"en": "CNY/month", "zh": "元/月"},
    "unit.ratio": {"en": "ratio", "zh": "比率"},
    "unit.count": {"en": "count", "zh": "次数"},
    "unit.months": {"en": "months", "zh": "月"},
    "unit.days": {"en": "days", "zh": "天"},
    "unit.flag": {"en": "flag (1 = yes)", "zh": "标志（1 = 是）"},
    "level.city_tier": {"en": "tier {tier}", "zh": "{tier}线城市"},
    # ---------------------------------------------------------------- names
    "model.oracle": {"en": "Oracle (true PD)", "zh": "真值模型（真实违约概率）"},
    "model.scorecard": {"en": "Scorecard", "zh": "评分卡"},
    "model.lgbm": {"en": "LightGBM", "zh": "LightGBM"},
    "split.train": {"en": "training", "zh": "训练集"},
    "split.valid": {"en": "validation", "zh": "验证集"},
    "split.test": {"en": "test", "zh": "测试集"},
    "split.oot": {"en": "out-of-time", "zh": "跨时间样本"},
    "split.all": {"en": "all", "zh": "全部"},
    "attr.age_band": {"en": "Age band", "zh": "年龄段"},
    # ---------------------------------------------------------------- page and sections
    "title": {"en": "Model validation report: {name}", "zh": "模型验证报告：{name}"},
    "subtitle": {"en": "Run {folder} · random seed {seed} · {charts} charts · riskkit {version}",
                 "zh": "运行 {folder} · 随机种子 {seed} · 图表 {charts} 张 · riskkit {version}"},
    "footer": {"en": "Written by riskkit {version} on {stamp} from the files of the run, each checked against the SHA-256 in its manifest. Self-contained: no script, no external file.",
               "zh": "由 riskkit {version} 于 {stamp} 根据运行文件生成，所有文件均已按清单中的SHA-256校验。本文件独立完整：无脚本，无外部文件。"},
    "figure": {"en": "Figure", "zh": "图"},
    "sec.summary": {"en": "Summary", "zh": "摘要"},
    "sec.data": {"en": "Data and world", "zh": "数据与模拟世界"},
    "sec.discrimination": {"en": "Discrimination", "zh": "区分能力"},
    "sec.calibration": {"en": "Calibration", "zh": "校准"},
    "sec.stability": {"en": "Stability", "zh": "稳定性"},
    "sec.policy": {"en": "Policy", "zh": "审批策略"},
    "sec.explanations": {"en": "Explanations", "zh": "模型解释"},
    "sec.fairness": {"en": "Fairness", "zh": "公平性"},
    "sec.reject_inference": {"en": "Reject inference", "zh": "拒绝推断"},
    "sec.limitations": {"en": "Limitations", "zh": "局限性"},
    "sec.model_card": {"en": "Model card", "zh": "模型卡"},
    "sec.appendix": {"en": "Appendix", "zh": "附录"},
    "sub.features": {"en": "Features", "zh": "特征"},
    "sub.reasons": {"en": "Most frequent first reason for decline (test)", "zh": "最常见的首要拒绝原因（测试集）"},
    "sub.letter": {"en": "A denial letter as the applicant receives it", "zh": "申请人收到的拒绝通知书示例"},
    "sub.knockouts": {"en": "Declines by knock-out rule", "zh": "各硬性规则导致的拒绝"},
    "sub.decisions": {"en": "Decisions by sample", "zh": "各样本的审批结果"},
    "sub.air": {"en": "Adverse impact ratio by attribute", "zh": "各属性的不利影响比"},
    "sub.by": {"en": "By {attr} ({split})", "zh": "按{attr}（{split}）"},
    "sub.metrics_other": {"en": "Other figures of the run", "zh": "本次运行的其他指标"},
    "sub.charts_other": {"en": "Other charts", "zh": "其他图表"},
    "sub.config": {"en": "Configuration (config.yaml, as the run resolved it)",
                   "zh": "配置（config.yaml，运行时解析后的完整配置）"},
    "sub.manifest": {"en": "Manifest", "zh": "运行清单"},
    "files_checked": {"en": "{n} files, each checked against its SHA-256",
                      "zh": "共{n}个文件，均已按SHA-256校验"},
    # ---------------------------------------------------------------- summary
    "sum.deployed": {"en": "Deployed model", "zh": "上线模型"},
    "sum.deployed_v": {"en": "{model}; declines above a PD of {cut} ({method} {target})",
                       "zh": "{model}；违约概率高于{cut}时拒绝（{method}{target}）"},
    "sum.approval": {"en": "Approval rate", "zh": "批准率"},
    "sum.approval_v": {"en": "{test} on test, {oot} out of time", "zh": "测试集{test}，跨时间样本{oot}"},
    "sum.bad": {"en": "Bad rate among approved", "zh": "批准客户坏账率"},
    "sum.bad_v": {"en": "{test} on test (all applicants: {all}), {oot} out of time",
                  "zh": "测试集{test}（全部申请人：{all}），跨时间样本{oot}"},
    "sum.gap": {"en": "Gap to the oracle (AUC)", "zh": "与真值模型的差距（AUC）"},
    "sum.gap_v": {"en": "{gap} below the oracle ({auc} against {oracle} on test)",
                  "zh": "比真值模型低{gap}（测试集{auc}对{oracle}）"},
    "sum.no_oracle": {"en": "no oracle: the true PD of this data is unknown (test AUC {auc})",
                      "zh": "无真值模型：该数据的真实违约概率未知（测试集AUC {auc}）"},
    "sum.calibration": {"en": "Calibration", "zh": "校准"},
    "sum.calibration_v": {"en": "ECE {test} on test, {oot} out of time (tolerance {tol})",
                          "zh": "测试集ECE {test}，跨时间样本{oot}（容许范围{tol}）"},
    "sum.stability": {"en": "Stability", "zh": "稳定性"},
    "sum.stability_v": {"en": "score PSI {psi}; largest feature shift CSI {csi} ({feature})",
                        "zh": "评分PSI {psi}；最大特征偏移CSI {csi}（{feature}）"},
    "sum.drivers": {"en": "Top drivers of declines", "zh": "主要拒绝原因"},
    "sum.driver": {"en": "{feature} {share}", "zh": "{feature} {share}"},
    "sum.knockout": {"en": "{feature} (knock-out)", "zh": "{feature}（硬性规则）"},
    "sum.fairness": {"en": "Fairness flags", "zh": "公平性警示"},
    "sum.fair_none": {"en": "no attribute below four-fifths; lowest adverse impact ratio {air} ({attr})",
                      "zh": "没有属性低于五分之四；最低不利影响比为{air}（{attr}）"},
    "sum.fair_flags": {"en": "below four-fifths: {flags}", "zh": "低于五分之四：{flags}"},
    "sum.fair_flag": {"en": "{attr} (AIR {air})", "zh": "{attr}（不利影响比{air}）"},
    "not_computed": {"en": "not computed for this run", "zh": "本次运行未计算"},
    "v.good": {"en": "good", "zh": "良好"},
    "v.watch": {"en": "watch", "zh": "关注"},
    "v.bad": {"en": "act", "zh": "需处理"},
    "v.none": {"en": "n/a", "zh": "不适用"},
    "v.psi.good": {"en": "stable", "zh": "稳定"},
    "v.psi.watch": {"en": "watch", "zh": "需关注"},
    "v.psi.bad": {"en": "shift", "zh": "显著偏移"},
    "v.ece.good": {"en": "well calibrated", "zh": "校准良好"},
    "v.ece.watch": {"en": "watch", "zh": "需关注"},
    "v.ece.bad": {"en": "miscalibrated", "zh": "校准失准"},
    "v.gap.good": {"en": "close to the truth", "zh": "接近真实"},
    "v.gap.watch": {"en": "moderate gap", "zh": "差距中等"},
    "v.gap.bad": {"en": "large gap", "zh": "差距较大"},
    "v.fair.good": {"en": "no flag", "zh": "无警示"},
    "v.fair.bad": {"en": "flagged", "zh": "有警示"},
    "sum.thresholds": {"en": "Verdicts: PSI and CSI below 0.1 stable, 0.1 to 0.25 watch, above 0.25 shift. ECE within the tolerance (the larger of 0.5 pp and twice the ECE a perfectly calibrated model shows by chance at this sample size) is well calibrated, up to twice the tolerance watch, above miscalibrated. Gap to the oracle below 0.01 AUC close, 0.01 to 0.03 moderate, above large. Four-fifths: a group's approval rate below 80% of the best-treated group's.",
                       "zh": "判定标准：PSI与CSI低于0.1为稳定，0.1至0.25需关注，高于0.25为显著偏移。ECE在容许范围内（取0.5个百分点与该样本量下完全校准模型因随机性产生的ECE的两倍中较大者）为校准良好，不超过容许范围两倍为需关注，否则为校准失准。与真值模型的AUC差距低于0.01为接近真实，0.01至0.03为中等，高于0.03为较大。五分之四规则：某群体批准率低于待遇最好群体的80%。"},
    "lang.en": {"en": "English", "zh": "英文"},
    "lang.zh": {"en": "Chinese", "zh": "中文"},
    "stage.data": {"en": "data", "zh": "数据"},
    "stage.fit": {"en": "fit", "zh": "训练"},
    "stage.evaluate": {"en": "evaluate", "zh": "评估"},
    "stage.policy": {"en": "policy", "zh": "策略"},
    "stage.explain": {"en": "explain", "zh": "解释"},
    "stage.figures": {"en": "charts", "zh": "图表"},
    "stage.write": {"en": "write", "zh": "写出"},
    "who.zhang_san": {"en": "Zhang San", "zh": "张三"},
    "who.li_si": {"en": "Li Si", "zh": "李四"},
    "who.denied_example": {"en": "an example declined applicant", "zh": "一位被拒申请人示例"},
    # ---------------------------------------------------------------- chart titles
    "fig.roc": {"en": "ROC curves, test", "zh": "ROC曲线（测试集）"},
    "fig.ks": {"en": "KS curve: {model}", "zh": "KS曲线：{model}"},
    "fig.gains": {"en": "Gains: bads captured by the riskiest applicants",
                  "zh": "增益图：高风险申请人中捕获的坏客户"},
    "fig.swap_set": {"en": "Swap set: where two models decide differently", "zh": "交换集：两个模型决策不同之处"},
    "fig.reliability": {"en": "Reliability: predicted PD against observed bad rate",
                        "zh": "可靠性图：预测违约概率与实际坏账率"},
    "fig.score_distribution": {"en": "PD of goods and bads: {model}", "zh": "好坏客户的违约概率分布：{model}"},
    "fig.csi": {"en": "Feature stability (CSI)", "zh": "特征稳定性（CSI）"},
    "fig.psi": {"en": "Score stability (PSI)", "zh": "评分稳定性（PSI）"},
    "fig.strategy": {"en": "Strategy curve: approval rate against bad rate", "zh": "策略曲线：批准率与坏账率"},
    "fig.segments": {"en": "Performance by segment: {model}", "zh": "分群表现：{model}"},
    "fig.reason_frequency": {"en": "Reasons given for declines", "zh": "拒绝原因出现频次"},
    "fig.contrib_vs_truth": {"en": "Model contributions against the true contributions",
                             "zh": "模型贡献与真实贡献对比"},
    "fig.waterfall": {"en": "Why the model scores {who} as it does", "zh": "模型对{who}评分的构成"},
    "fig.fairness": {"en": "Fairness by group", "zh": "分群体公平性"},
    "fig.reject": {"en": "Reject inference", "zh": "拒绝推断"},
    # ---------------------------------------------------------------- data and world
    "data.world": {"en": "The applicants are synthetic, drawn from the {world} world in the {scenario} scenario; the out-of-time sample comes from the {oot} scenario. Each applicant's true PD is known: the oracle and the fidelity checks use it.",
                   "zh": "申请人为合成数据，来自{world}模拟世界的{scenario}情景；跨时间样本来自{oot}情景。每位申请人的真实违约概率已知，真值模型和解释一致性检验均基于此。"},
    "data.byod": {"en": "The applicants come from the file {source} (outcome column {target}); their true PD is unknown, so there is no oracle.",
                  "zh": "申请人来自文件{source}（结果列{target}）；真实违约概率未知，因此没有真值模型。"},
    "data.splits": {"en": "The models were fitted on {train} applicants and tested on {test}; the out-of-time sample has {oot}.",
                    "zh": "模型在{train}名申请人上训练，在{test}名申请人上测试；跨时间样本共{oot}名。"},
    "data.drift": {"en": "The bad rate is {train} in training and {oot} out of time ({delta}).",
                   "zh": "训练集坏账率为{train}，跨时间样本为{oot}（变化{delta}）。"},
    "data.features": {"en": "{inputs} of the {n} features are model inputs; {protected} are protected ({names}) and serve the fairness analysis only.",
                      "zh": "{n}个特征中有{inputs}个是模型输入；{protected}个为受保护属性（{names}），仅用于公平性分析。"},
    # ---------------------------------------------------------------- discrimination
    "disc.best": {"en": "On the test split, {best} ranks applicants best (AUC {auc}).",
                  "zh": "在测试集上，{best}的排序能力最好（AUC {auc}）。"},
    "disc.gap": {"en": "The deployed {model} reaches an AUC of {auc}, {gap} below the oracle ({oracle}), which scores with the true PD: the most any model can reach on these applicants.",
                 "zh": "上线模型{model}的AUC为{auc}，比使用真实违约概率的真值模型（{oracle}）低{gap}；真值模型是任何模型在这些申请人上所能达到的上限。"},
    "disc.no_oracle": {"en": "The deployed {model} reaches an AUC of {auc}; without the true PD there is no ceiling to compare it with.",
                       "zh": "上线模型{model}的AUC为{auc}；由于真实违约概率未知，无上限可供比较。"},
    "disc.oot_up": {"en": "Out of time its AUC is {auc}, {delta} higher than on test: the ranking holds.",
                    "zh": "在跨时间样本上其AUC为{auc}，比测试集高{delta}：排序能力保持稳定。"},
    "disc.oot_down": {"en": "Out of time its AUC is {auc}, {delta} lower than on test.",
                      "zh": "在跨时间样本上其AUC为{auc}，比测试集低{delta}。"},
    "fig.roc.text": {"en": "The {n} models' curves on the test split: the larger the area under a curve, the better the ranking. The deployed {model} encloses {auc}, the oracle {oracle}.",
                     "zh": "{n}个模型在测试集上的曲线：曲线下面积越大，排序越好。上线模型{model}的面积为{auc}，真值模型为{oracle}。"},
    "fig.ks.text": {"en": "{model} separates the cumulative shares of bads and goods by at most {ks} on test and {oot} out of time.",
                    "zh": "{model}在测试集上好坏客户累计占比的最大差距为{ks}，跨时间样本为{oot}。"},
    "fig.gains.text": {"en": "The riskiest 10% of applicants by {model} hold {c1} of the bads (lift {lift}); the riskiest 30% hold {c3}.",
                       "zh": "按{model}排序风险最高的10%申请人包含{c1}的坏客户（提升度{lift}）；风险最高的30%包含{c3}。"},
    "fig.swap.agree": {"en": "{a} and {b} make the same decision for {agree} of test applicants.",
                       "zh": "{a}与{b}对{agree}的测试集申请人作出相同决策。"},
    "fig.swap.text": {"en": "{a} and {b} make the same decision for {agree} of test applicants. Of the {nb} only {b} approves, {bb} turn bad; of the {na} only {a} approves, {ba}.",
                      "zh": "{a}与{b}对{agree}的测试集申请人作出相同决策。仅{b}批准的{nb}人中坏账率为{bb}；仅{a}批准的{na}人中为{ba}。"},
    # ---------------------------------------------------------------- calibration
    "cal.text": {"en": "The deployed {model}'s calibration error is {ece} on test and {oot} out of time: {verdict}. A perfectly calibrated model would show about {noise} by chance at this sample size, so the tolerance is {tol}.",
                 "zh": "上线模型{model}的校准误差在测试集为{ece}，跨时间样本为{oot}：{verdict}。在该样本量下，完全校准的模型因随机性也会有约{noise}的误差，因此容许范围为{tol}。"},
    "cal.mean": {"en": "On test it predicts a mean PD of {pd} against an observed bad rate of {obs}.",
                 "zh": "在测试集上其平均预测违约概率为{pd}，实际坏账率为{obs}。"},
    "cal.applied": {"en": "{method} was fitted on the validation split; on test it moved the ECE from {before} to {after}.",
                    "zh": "{method}在验证集上拟合；在测试集上使ECE从{before}变为{after}。"},
    "cal.none": {"en": "No calibration step was applied to the deployed model.",
                 "zh": "上线模型未经过校准步骤。"},
    "fig.reliability.text": {"en": "Points on the diagonal are calibrated. For {model}, the largest gap is in tenth {tenth} of 10 by PD: {pd} predicted against {obs} observed.",
                             "zh": "落在对角线上的点为校准良好。对{model}而言，偏离最大的是按违约概率排序的第{tenth}个十分位（共10个）：预测{pd}，实际{obs}。"},
    "fig.dist.text": {"en": "On test, the median PD {model} gives is {good} for applicants who repaid and {bad} for those who defaulted.",
                      "zh": "在测试集上，{model}给出的违约概率中位数：按时还款者为{good}，违约者为{bad}。"},
    "fig.dist.cut": {"en": "{share} of the defaulters score above the cut-off of {cut}.",
                     "zh": "{share}的违约者违约概率高于阈值{cut}。"},
    # ---------------------------------------------------------------- stability
    "stab.psi": {"en": "PSI compares the score distribution of {ref}. The deployed {model}'s PSI is {psi}: {verdict}. The largest of any model is {worst_psi} ({worst}).",
                 "zh": "PSI比较{ref}的评分分布。上线模型{model}的PSI为{psi}：{verdict}。各模型中最大为{worst_psi}（{worst}）。"},
    "stab.csi": {"en": "Of {n} features, {k} have a CSI of 0.1 or more; the one that moved most is {feature} (CSI {csi}).",
                 "zh": "{n}个特征中有{k}个CSI不低于0.1；偏移最大的是{feature}（CSI {csi}）。"},
    "fig.csi.text": {"en": "CSI per feature, {ref}. The largest shifts are {top}: {verdict}.",
                     "zh": "各特征的CSI（{ref}）。偏移最大的是{top}：{verdict}。"},
    "fig.psi.text": {"en": "The deployed {model}'s score PSI is {psi}.",
                     "zh": "上线模型{model}的评分PSI为{psi}。"},
    # ---------------------------------------------------------------- policy
    "pol.cut": {"en": "{model} declines applicants above a PD of {cut}, set for a {method} of {target}. Knock-out rules decline {ko} of applicants whatever their score, so {appr} are approved on test.",
                "zh": "{model}拒绝违约概率高于{cut}的申请人，该阈值按{method}{target}设定。硬性规则无论评分高低拒绝{ko}的申请人，因此测试集批准率为{appr}。"},
    "pol.effect": {"en": "Among approved, {bra} turn bad against {brd} among declined: declining {declined} of applicants keeps out {caught} of all bads.",
                   "zh": "批准客户坏账率为{bra}，被拒客户为{brd}：拒绝{declined}的申请人，挡住了{caught}的坏客户。"},
    "pol.ko": {"en": "The knock-out that fires most is “{rule}” ({n} applicants, {share} of test).",
               "zh": "触发最多的硬性规则是“{rule}”（{n}人，占测试集{share}）。"},
    "pol.splits": {"en": "Approval rates by sample range from {lo} ({lo_split}) to {hi} ({hi_split}).",
                   "zh": "各样本批准率从{lo}（{lo_split}）到{hi}（{hi_split}）不等。"},
    "fig.strategy.text": {"en": "Approving more applicants raises the bad rate among them: {lo} at 50% approval, {hi} at 90%. The chosen policy approves {appr} with a bad rate of {bra}.",
                          "zh": "批准更多申请人会提高其坏账率：批准率50%时为{lo}，90%时为{hi}。当前策略批准{appr}，坏账率为{bra}。"},
    "fig.segments.text": {"en": "By {attr}, the bad rate on test ranges from {lo} ({lo_name}) to {hi} ({hi_name}); {model}'s AUC within a segment ranges from {auc_lo} to {auc_hi}.",
                          "zh": "按{attr}划分，测试集坏账率从{lo}（{lo_name}）到{hi}（{hi_name}）；{model}在各分群内的AUC从{auc_lo}到{auc_hi}。"},
    # ---------------------------------------------------------------- explanations
    "exp.text": {"en": "For {n} declined applicants, the deployed {model}'s top-3 reasons agree with the truth's top 3 in {fid} of cases, and its contributions follow the true ones with a rank correlation of {rho}. Contributions add up to the model's log-odds within {err}.",
                 "zh": "在{n}名被拒申请人中，上线模型{model}的前三原因与真实前三原因一致的比例为{fid}，其贡献与真实贡献的秩相关为{rho}。各贡献之和与模型对数几率的误差不超过{err}。"},
    "exp.no_truth": {"en": "The true contributions are unknown for this data; the deployed {model}'s contributions add up to its log-odds within {err}.",
                     "zh": "该数据的真实贡献未知；上线模型{model}的各贡献之和与其对数几率的误差不超过{err}。"},
    "exp.reasons": {"en": "{top} is the first reason for {share} of declines on test; the three most frequent first reasons cover {top3}.",
                    "zh": "{top}是测试集{share}拒绝案例的首要原因；最常见的三个首要原因合计占{top3}。"},
    "fig.reasons.text": {"en": "Counting every reason given, not only the first: {top} appears in the letters of {share} of the {n} declined applicants explained.",
                         "zh": "统计所有给出的原因（不限首要原因）：在已解释的{n}名被拒申请人中，{share}的拒绝通知书提到了{top}。"},
    "fig.contrib.text": {"en": "On the diagonal the model attributes what the truth does. {model}'s rank correlation is {rho}; {null} of its attribution goes to features without a true effect.",
                         "zh": "落在对角线上表示模型归因与真实一致。{model}的秩相关为{rho}；其归因中{null}落在没有真实效应的特征上。"},
    "fig.waterfall.text": {"en": "Each bar adds one feature's contribution to the log-odds of {who}. Across declined applicants, {model}'s top-3 reasons match the truth's in {fid} of cases.",
                           "zh": "每根柱子表示一个特征对{who}对数几率的贡献。在所有被拒申请人中，{model}的前三原因与真实一致的比例为{fid}。"},
    "fig.no_text": {"en": "The run wrote no figures behind this chart that the report could interpret.",
                    "zh": "本次运行没有写出可供报告解读该图表的数据。"},
    "exp.letter": {"en": "Applicant {id} is one of {n} declined on test. The letter lists the reasons the run recorded and closes with how to ask for a human review.",
                   "zh": "申请人{id}是测试集{n}名被拒者之一。通知书列出运行记录的拒绝原因，并在结尾说明如何申请人工复核。"},
    # ---------------------------------------------------------------- fairness
    "fair.absent": {"en": "Fairness was not computed for this run: its metrics.json has no fairness figures. Decisions by gender, age or other protected groups have not been assessed.",
                    "zh": "本次运行未计算公平性：其指标文件中没有公平性数据。尚未评估按性别、年龄或其他受保护群体的决策差异。"},
    "fair.intro": {"en": "Decisions of {model} by {attrs}, on {splits}. Protected attributes are not model inputs; the question is whether decisions differ by group anyway, through features that correlate with them.",
                   "zh": "{model}按{attrs}的决策，样本：{splits}。受保护属性不是模型输入；这里考察的是决策是否仍通过与之相关的特征而在群体间存在差异。"},
    "fair.air": {"en": "The lowest adverse impact ratio is {air} ({attr}, {split}); {k} of {n} attribute and sample pairs fall below four-fifths.",
                 "zh": "最低的不利影响比为{air}（{attr}，{split}）；{n}个属性与样本组合中有{k}个低于五分之四。"},
    "fair.appr": {"en": "Approval rates by {attr} range from {lo} ({lo_lvl}) to {hi} ({hi_lvl}): an adverse impact ratio of {air}, {verdict}.",
                  "zh": "按{attr}划分，批准率从{lo}（{lo_lvl}）到{hi}（{hi_lvl}）：不利影响比为{air}，{verdict}。"},
    "fair.below": {"en": "below the four-fifths line", "zh": "低于五分之四标准"},
    "fair.above": {"en": "above the four-fifths line", "zh": "高于五分之四标准"},
    "fair.bad": {"en": "Among approved, the bad rate ranges from {lo} ({lo_lvl}) to {hi} ({hi_lvl}).",
                 "zh": "批准客户中，坏账率从{lo}（{lo_lvl}）到{hi}（{hi_lvl}）。"},
    "fair.rates": {"en": "The decline catches {tlo} to {thi} of true bads across groups, and declines {flo} to {fhi} of true goods.",
                   "zh": "各群体中，拒绝决策挡住了{tlo}至{thi}的真实坏客户，同时拒绝了{flo}至{fhi}的真实好客户。"},
    "fair.pd": {"en": "The model's mean PD is furthest from the true PD for {lvl}: {pd} against {true}.",
                "zh": "模型平均违约概率与真实值偏差最大的是{lvl}：{pd}对{true}。"},
    "fair.ko": {"en": "“{rule}” causes {share} of declines; knock-out rules together cause {total}.",
                "zh": "“{rule}”导致了{share}的拒绝；硬性规则合计导致{total}。"},
    "fig.fairness.text": {"en": "The lowest adverse impact ratio is {air} ({attr}).",
                          "zh": "最低的不利影响比为{air}（{attr}）。"},
    # ---------------------------------------------------------------- reject inference
    "ri.best": {"en": "{method} ranks the rejected applicants best (AUC on rejects {auc}); {worst} worst ({low}).",
                "zh": "{method}对被拒申请人的排序最好（被拒申请人AUC {auc}）；{worst}最差（{low}）。"},
    "ri.closest": {"en": "{method} estimates their bad rate closest to the truth: {pred} against {true}.",
                   "zh": "{method}对其坏账率的估计最接近真实：{pred}对{true}。"},
    # ---------------------------------------------------------------- limitations
    "lim.synthetic": {"en": "The data are synthetic (the {world} world, {scenario} scenario): the results describe that world, not a real portfolio. Their value is that the truth is known.",
                      "zh": "数据为合成数据（{world}模拟世界，{scenario}情景）：结果描述的是该模拟世界，而非真实资产组合；其价值在于真实情况已知。"},
    "lim.byod": {"en": "The data come from the file {source} ({rows} rows); without a known truth there is no oracle and no check of the explanations against it.",
                 "zh": "数据来自文件{source}（{rows}行）；由于真实情况未知，没有真值模型，也无法据此检验模型解释。"},
    "lim.sample": {"en": "The test split has {n} applicants and {bads} bads: its AUC is uncertain by about ±{se} (one standard error, Hanley and McNeil), so AUC differences below {two} are within noise.",
                   "zh": "测试集有{n}名申请人、{bads}名坏客户：其AUC的不确定性约为±{se}（一个标准误，Hanley–McNeil方法），因此小于{two}的AUC差异属于随机波动。"},
    "lim.oot_same": {"en": "The out-of-time sample comes from the same scenario as training ({scenario}): it tests time, not a changed economy.",
                     "zh": "跨时间样本与训练集来自同一情景（{scenario}）：检验的是时间推移，而非经济环境变化。"},
    "lim.oot_other": {"en": "The out-of-time sample comes from the {oot} scenario, unlike training ({scenario}): its figures show the model in a changed economy.",
                      "zh": "跨时间样本来自{oot}情景，与训练集（{scenario}）不同：其指标反映模型在经济环境变化下的表现。"},
    "lim.outcomes": {"en": "Outcomes are known for declined applicants too, which a lender never observes; on real data, figures about declined applicants need reject inference.",
                     "zh": "被拒申请人的结果同样已知，而真实贷款机构无法观察到；在真实数据上，关于被拒申请人的指标需要拒绝推断。"},
    "lim.calibration": {"en": "{method} was fitted on {n} validation rows; a shift in the bad rate calls for recalibration.",
                        "zh": "{method}基于{n}行验证集数据拟合；坏账率一旦变化，需要重新校准。"},
    "lim.fairness": {"en": "Protected attributes are not model inputs, but features correlated with them can carry their effect; the fairness section measures outcomes by group, not intent.",
                     "zh": "受保护属性不是模型输入，但与之相关的特征可能传递其影响；公平性部分衡量的是各群体的结果，而非意图。"},
    "lim.no_fairness": {"en": "Fairness was not assessed in this run.", "zh": "本次运行未评估公平性。"},
    "lim.charts": {"en": "The charts were drawn by the run with {chart_lang} labels; rerun with figures.lang set to this report's language for matching charts.",
                   "zh": "图表由运行生成，标注为{chart_lang}；如需与本报告语言一致的图表，请将figures.lang设为相应语言后重新运行。"},
    # ---------------------------------------------------------------- model card
    "mc.use": {"en": "Intended use", "zh": "预期用途"},
    "mc.use_v": {"en": "Rank applicants for a small unsecured consumer credit line by their probability of default within 12 months, and decide with knock-out rules and a PD cut-off. For research and the validation of methods; not for decisions about real people.",
                 "zh": "按12个月内违约概率对小额无抵押消费信贷申请人排序，并以硬性规则和违约概率阈值作出决策。用于研究与方法验证，不用于对真实个人作出决策。"},
    "mc.model": {"en": "Model", "zh": "模型"},
    "mc.model_v": {"en": "{model}, calibration: {method}; {n} inputs: {inputs}.",
                   "zh": "{model}，校准：{method}；{n}个输入：{inputs}。"},
    "mc.data": {"en": "Data", "zh": "数据"},
    "mc.data_v": {"en": "training {train}, validation {valid}, test {test}, out-of-time {oot} applicants; bad rate on test {bad}.",
                  "zh": "训练集{train}、验证集{valid}、测试集{test}、跨时间样本{oot}名申请人；测试集坏账率{bad}。"},
    "mc.world": {"en": "World", "zh": "模拟世界"},
    "mc.world_v": {"en": "{world}; scenario {scenario}, out-of-time scenario {oot}.",
                   "zh": "{world}；情景{scenario}，跨时间样本情景{oot}。"},
    "mc.world_byod": {"en": "none: a user's file, {source}.", "zh": "无：用户文件{source}。"},
    "mc.performance": {"en": "Performance (test)", "zh": "表现（测试集）"},
    "mc.performance_v": {"en": "AUC {auc}, KS {ks}, ECE {ece}; approval rate {appr}, bad rate among approved {bra}.",
                         "zh": "AUC {auc}，KS {ks}，ECE {ece}；批准率{appr}，批准客户坏账率{bra}。"},
    "mc.fairness": {"en": "Fairness", "zh": "公平性"},
    "mc.limitations": {"en": "Limitations", "zh": "局限性"},
    "mc.limitations_v": {"en": "{n} points, listed in the limitations section.",
                         "zh": "共{n}条，详见局限性部分。"},
    "mc.reproduce": {"en": "How to reproduce", "zh": "如何复现"},
    "mc.reproduce_v": {"en": "On the same code version, the run's own config (random seed {seed}) gives the same data, byte for byte (the data fingerprints below), and the same metrics:",
                       "zh": "在相同代码版本下，使用本次运行自身的配置（随机种子{seed}）可逐字节复现相同数据（数据指纹见下）和相同指标："},
}


def humanise(key: str) -> str:
    """A key no catalogue entry covers, made readable: ``csi_max_feature`` -> "Csi max feature".

    Used only for names the run invented (a new metric, a user's column): the report still
    shows it, without underscores, until the catalogue learns its words.
    """
    words = [_ACRONYMS.get(w.lower(), w) for w in str(key).replace(".", " ").split("_")]
    out = " ".join(w for w in words if w)
    return out[:1].upper() + out[1:]


def label(key: str, lang: str = "en", default: str | None = None) -> str:
    """The words for ``key`` (``k.<key>`` first, then ``key`` itself), else ``default``.

    Parameters
    ----------
    key : str
        A metrics key (``bad_rate_denied``, ``oot.approval_rate`` uses its last part) or a
        full catalogue key (``model.lgbm``).
    lang : str
        ``en`` or ``zh``.
    default : str, optional
        What to return for an unknown key; :func:`humanise` of it when None.

    Returns
    -------
    str
        The label.
    """
    last = key if key.startswith(_NAMESPACES) else key.rsplit(".", 1)[-1]
    for candidate in (f"k.{last}", key, last):
        entry = TEXTS.get(candidate)
        if entry is not None:
            return entry[lang]
    return humanise(last) if default is None else default


def text(key: str, lang: str = "en", /, **values: Any) -> str:
    """The catalogue sentence ``key`` in ``lang``, with ``values`` filled in.

    Parameters
    ----------
    key : str
        A key of :data:`TEXTS`; an unknown key is a programming error (KeyError).
    lang : str
        ``en`` or ``zh``.
    **values
        Template fields, already formatted.

    Returns
    -------
    str
        The sentence.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return TEXTS[key][lang].format(**values)
