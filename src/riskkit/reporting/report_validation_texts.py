"""The words of the report's "Validation tests" section, in English and Chinese.

Kept beside :mod:`riskkit.reporting.report_texts` (which is at its 500-line limit) in the
same shape, ``{key: {"en", "zh"}}``; sentences are :meth:`str.format` templates whose
fields receive numbers already formatted. Test names are people's names (Jeffreys,
Hosmer-Lemeshow, Spiegelhalter, DeLong, Bowker) and stay as they are in Chinese.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VTEXTS", "vtext"]

VTEXTS: dict[str, dict[str, str]] = {
    "none": {"en": "No validation battery has been run on this run yet: `riskkit validate "
                   "{folder}` runs it (add `--against` and the development run's folder to "
                   "compare with that run) and this section then shows every test with its traffic light.",
             "zh": "本次运行尚未执行验证测试；用 riskkit 的验证命令对本运行执行后（可再指定开发期运行作对比），本节将列出每项检验及其信号灯。"},
    "intro": {"en": "The battery ran on the {model} PDs of {samples}, graded on a master scale of "
                    "{k} grades ({method}); the development sample is {dev} ({dev_n} "
                    "applicants) and the current one {cur} ({cur_n}). Lights: a p-value of {yellow} or "
                    "more is green, below {yellow} yellow, below {red} red (BCBS WP14's traffic "
                    "lights); levels are read against the config's thresholds.",
              "zh": "验证测试基于{model}在{samples}上的违约概率，主标尺共{k}个等级（{method}）；"
                    "开发样本为{dev}（{dev_n}名申请人），当前样本为{cur}（{cur_n}名）。信号灯：p值不低于{yellow}为绿，"
                    "低于{yellow}为黄，低于{red}为红（巴塞尔委员会第14号工作文件的信号灯法）；水平类指标按配置阈值判定。"},
    "method.quantile": {"en": "equal shares of the development sample", "zh": "按开发样本等分"},
    "method.fixed": {"en": "fixed PD boundaries", "zh": "固定违约概率边界"},
    "and": {"en": " and ", "zh": "和"},
    "dev.other": {"en": "the {split} split of run {name}", "zh": "运行{name}的{split}"},
    "col.test": {"en": "Test", "zh": "检验"}, "col.sample": {"en": "Sample", "zh": "样本"},
    "col.stat": {"en": "Statistic", "zh": "统计量"}, "col.p": {"en": "p-value", "zh": "p值"},
    "col.ci": {"en": "95% interval", "zh": "95%区间"}, "col.light": {"en": "Light", "zh": "信号灯"},
    "col.grade": {"en": "Grade", "zh": "等级"}, "col.range": {"en": "PD range", "zh": "违约概率区间"},
    "col.n": {"en": "Applicants", "zh": "申请人数"}, "col.d": {"en": "Defaults", "zh": "违约数"},
    "col.pd": {"en": "Mean PD", "zh": "平均违约概率"}, "col.dr": {"en": "Default rate", "zh": "违约率"},
    "sample.dev_now": {"en": "development vs now", "zh": "开发期对比当前"},
    "light.green": {"en": "green", "zh": "绿"}, "light.yellow": {"en": "yellow", "zh": "黄"},
    "light.red": {"en": "red", "zh": "红"}, "light.n/a": {"en": "n/a", "zh": "不适用"},
    "grades_title": {"en": "Jeffreys test per grade, {sample}", "zh": "按等级的Jeffreys检验（{sample}）"},
    "migration_title": {"en": "Migration of the current applicants: development grade (rows) "
                              "to current grade (columns), share of each row",
                        "zh": "当前申请人的等级迁移：开发期等级（行）到当前等级（列），各行占比"},
    "dir.up": {"en": "rose", "zh": "上升"}, "dir.down": {"en": "fell", "zh": "下降"},
    "dir.flat": {"en": "stayed", "zh": "持平"},
    "s.auc": {"en": "AUC on {sample}: {auc} (95% interval {lo} to {hi} by DeLong, {blo} to {bhi} "
                    "by {reps} bootstrap samples), {verdict}.",
              "zh": "{sample}的AUC为{auc}（DeLong法95%区间{lo}至{hi}，{reps}次自助抽样区间{blo}至{bhi}），{verdict}。"},
    "v.level.green": {"en": "at or above the {yellow} asked for", "zh": "达到要求的{yellow}"},
    "v.level.yellow": {"en": "below the {yellow} asked for", "zh": "低于要求的{yellow}"},
    "v.level.red": {"en": "below even {red}", "zh": "甚至低于{red}"},
    "v.high.green": {"en": "below the {yellow} where concern starts", "zh": "低于需关注的{yellow}"},
    "v.high.yellow": {"en": "at or above the {yellow} where concern starts",
                      "zh": "达到需关注的{yellow}"},
    "v.high.red": {"en": "at or above {red}, a shift to act on", "zh": "达到{red}，需采取行动"},
    "s.gini": {"en": "Gini {gini} ({lo} to {hi}).", "zh": "基尼系数{gini}（{lo}至{hi}）。"},
    "s.ks": {"en": "KS {ks}: the largest gap between the score distributions of bads and goods, "
                   "{verdict}.",
             "zh": "KS值{ks}：好坏客户得分分布的最大差距，{verdict}。"},
    "s.decline": {"en": "The AUC {dir} from {dev} on the development sample to {cur} now "
                        "(difference {diff}, 95% interval {lo} to {hi}); the DeLong test of a "
                        "decline gives p = {p}, {verdict}.",
                  "zh": "AUC从开发样本的{dev}{dir}至当前的{cur}（差值{diff}，95%区间{lo}至{hi}）；"
                        "DeLong下降检验p = {p}，{verdict}。"},
    "v.p.green": {"en": "no evidence of a problem", "zh": "无问题迹象"},
    "v.p.yellow": {"en": "worth a closer look", "zh": "值得进一步检查"},
    "v.p.red": {"en": "a clear signal", "zh": "信号明确"},
    "v.p.n/a": {"en": "not computable on this sample", "zh": "本样本无法计算"},
    "s.grades": {"en": "{test}: {k} of {t} grades on {sample} have more defaults than their PD "
                       "allows at the {alpha} level ({kh} after Holm's correction; family "
                       "p = {p}), {verdict}.",
                 "zh": "{test}：{sample}的{t}个等级中有{k}个违约数超出其违约概率所允许的范围"
                       "（显著性水平{alpha}；Holm校正后{kh}个；整体p = {p}），{verdict}。"},
    "s.portfolio": {"en": "{test} on {sample}: {d} defaults among {n} applicants, a default rate "
                          "of {dr} against a mean PD of {pd} (p = {p}), {verdict}.",
                    "zh": "{test}（{sample}）：{n}名申请人中{d}人违约，违约率{dr}，平均违约概率{pd}（p = {p}），{verdict}。"},
    "s.hl": {"en": "Hosmer-Lemeshow on {sample}: {stat} on {df} degrees of freedom (p = {p}), "
                   "{verdict}.",
             "zh": "Hosmer-Lemeshow检验（{sample}）：统计量{stat}，自由度{df}（p = {p}），{verdict}。"},
    "s.spiegelhalter": {"en": "Spiegelhalter on {sample}: z = {z} (p = {p}), {verdict}.",
                        "zh": "Spiegelhalter检验（{sample}）：z = {z}（p = {p}），{verdict}。"},
    "s.brier": {"en": "Brier score on {sample}: {brier} = reliability {rel} - resolution {res} + "
                      "uncertainty {unc} (and {rest} from PDs varying within grades).",
                "zh": "Brier分数（{sample}）：{brier} = 可靠性{rel} - 分辨力{res} + 不确定性{unc}"
                      "（等级内违约概率差异另贡献{rest}）。"},
    "s.hhi": {"en": "Concentration on {sample}: the largest grade holds {top} of applicants; "
                    "HHI {hhi} (at least {floor} with {k} grades), the ECB's Herfindahl index "
                    "{hi} (0 for grades of equal size, 1 for one grade), {verdict}.",
              "zh": "集中度（{sample}）：最大等级占申请人的{top}；HHI为{hhi}（{k}个等级时最低为{floor}），"
                    "欧央行Herfindahl指数{hi}（0为各等级均等，1为集中于一个等级），{verdict}。"},
    "s.hhi_change": {"en": "The Herfindahl index {dir} from {dev} at development to {cur}; the "
                           "ECB's test of a rise gives p = {p} (its spread ignores the number of "
                           "applicants, so the light follows the level only).",
                     "zh": "Herfindahl指数从开发期的{dev}{dir}至{cur}；欧央行上升检验p = {p}"
                           "（其离散度不随申请人数变化，因此信号灯只看水平）。"},
    "s.psi": {"en": "PSI of the PD between development and now: {psi} (p = {p} for no shift), "
                    "{verdict}.",
              "zh": "开发期与当前之间违约概率的PSI为{psi}（无偏移检验p = {p}），{verdict}。"},
    "s.csi": {"en": "The feature that moved most is {feature} (CSI {csi}); {k} of {n} features "
                    "reach {yellow}; Bonferroni's family p = {p}, {verdict}.",
              "zh": "偏移最大的特征为{feature}（CSI {csi}）；{n}个特征中有{k}个达到{yellow}；Bonferroni整体p = {p}，{verdict}。"},
    "s.migration": {"en": "Graded by the development model and by this one, {diag} of the current "
                          "applicants keep their grade and {within} stay within one notch; "
                          "{safer} move to safer grades and {riskier} to riskier ones (bandwidths "
                          "{mwbl} down, {mwbu} up; Bowker's symmetry test p = {p}), {verdict}.",
                    "zh": "分别用开发期模型和当前模型评级，当前申请人中{diag}等级不变，{within}变动不超过一级；"
                          "{safer}移至更安全的等级，{riskier}移至风险更高的等级（迁移带宽：向下{mwbl}，向上{mwbu}；"
                          "Bowker对称性检验p = {p}），{verdict}。"},
    "s.migration_na": {"en": "Migration: not computed ({reason}).",
                       "zh": "迁移矩阵：未计算（需要用开发期模型对同一批申请人评级，请提供开发期运行）。"},
}


def vtext(key: str, lang: str = "en", /, **values: Any) -> str:
    """The section's sentence ``key`` in ``lang``, with ``values`` filled in."""
    return VTEXTS[key]["zh" if lang == "zh" else "en"].format(**values)
