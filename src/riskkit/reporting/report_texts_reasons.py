"""Words of the report's reason-accuracy part (:mod:`riskkit.reporting.report_reasons`), en + zh.

Kept apart from :mod:`riskkit.reporting.report_texts` only for size; that module merges
this table into its ``TEXTS``, so lookups are the same.
"""

from __future__ import annotations

REASON_TEXTS: dict[str, dict[str, str]] = {
    "model.ebm": {"en": "Explainable Boosting Machine", "zh": "可解释提升机"},
    "k.letter_unit": {"en": "Reasons given by", "zh": "原因单位"},
    "k.letter_fidelity_top3": {"en": "Letters' top-3 reasons true (like for like)",
                               "zh": "通知书前三原因与真实一致率（同口径）"},
    "k.background": {"en": "Compared with", "zh": "对照人群"},
    "k.top1": {"en": "First reason true", "zh": "首位一致率"},
    "k.top2": {"en": "Top-2 agreement", "zh": "前二一致率"},
    "k.top3": {"en": "Top-3 agreement", "zh": "前三一致率"},
    "k.top4": {"en": "Top-4 agreement", "zh": "前四一致率"},
    "k.first_reason_in_true_top3": {"en": "First reason among the true top 3",
                                    "zh": "首要原因属于真实前三"},
    "k.sign_agreement": {"en": "Sign agreement", "zh": "方向一致率"},
    "k.reasons_raise_true_risk": {"en": "Reasons that truly raise risk",
                                  "zh": "真实提高风险的原因占比"},
    "k.mae_logit": {"en": "Mean contribution error (log-odds)", "zh": "平均贡献误差（对数几率）"},
    "k.mae_pd": {"en": "Mean contribution error (PD)", "zh": "平均贡献误差（违约概率）"},
    "k.same_top3": {"en": "Same top-3 reasons", "zh": "前三原因不变"},
    "k.same_first": {"en": "Same first reason", "zh": "首要原因不变"},
    "k.same_top3_groups": {"en": "Same top-3 driver groups", "zh": "前三原因组不变"},
    "k.same_first_groups": {"en": "Same first driver group", "zh": "首要原因组不变"},
    "stab.kind": {"en": "Change", "zh": "变动"},
    "stab.background_redraw": {"en": "Background drawn again", "zh": "重新抽取对照样本"},
    "stab.retrain": {"en": "Refitted with other seeds", "zh": "换随机种子重新训练"},
    "val.feature": {"en": "feature", "zh": "特征"},
    "val.group": {"en": "driver group", "zh": "驱动因素组"},
    "basis.approved": {"en": "approved applicants", "zh": "获批申请人"},
    "basis.reference": {"en": "truth's reference sample", "zh": "真实参考样本"},
    "basis.best_bin": {"en": "best-bin applicants", "zh": "最优分箱申请人"},
    "basis.training": {"en": "training applicants (path-dependent)",
                       "zh": "训练样本申请人（路径依赖）"},
    "cmp.higher": {"en": "higher than", "zh": "高于"},
    "cmp.lower": {"en": "lower than", "zh": "低于"},
    "cmp.same": {"en": "about the same as", "zh": "基本等同于"},
    "rsn.like": {"en": "Measured like for like, with the truth explained against the same {basis} the letters compare with and on the {n} test applicants {model} itself declines, its top-3 reasons are among the true top 3 in {fid} of cases by feature and {fid_g} by driver group (this run's letters give reasons by {unit}). The first reason is the true first in {first}; {wrong} of the reasons given do not truly raise the applicant's risk.",
                 "zh": "按同一口径衡量（真实贡献与通知书一样以{basis}为对照，样本为{model}自身拒绝的{n}名测试集申请人）：按特征，其前三原因属于真实前三的比例为{fid}；按驱动因素组为{fid_g}（本次运行的通知书按{unit}给出原因）。首要原因即真实首要原因的比例为{first}；所给原因中有{wrong}实际上并未提高申请人的风险。"},
    "rsn.groups": {"en": "Accuracy by driver group is {cmp} accuracy by feature.",
                   "zh": "按驱动因素组衡量的准确率{cmp}按特征衡量的准确率。"},
    "rsn.retrain": {"en": "Refitted with seed {seeds}, {model} gives the same top-3 reasons to {same} of the applicants it declined ({same_g} by driver group).",
                    "zh": "以随机种子{seeds}重新训练后，{model}对其拒绝的申请人给出相同前三原因的比例为{same}（按驱动因素组为{same_g}）。"},
}
