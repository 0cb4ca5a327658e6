"""Sentences about a power study, built from its numbers (notebook 09, en and zh).

Which tests sit at their nominal level, which above or below it, is decided by each rate's
Clopper-Pearson interval (:func:`riskkit.validate.false_alarm_table`); the reason given for
a test off its level is chosen by the direction it is off in, from the mechanisms the
literature names (multiplicity, discreteness, skew, too few expected defaults, a common
factor).
"""

from __future__ import annotations

import pandas as pd

from riskkit.core.texts import text as name_text
from riskkit.reporting import report_format as fmt

__all__ = ["correlation_sentence", "detectable_sentence", "false_alarm_sentences", "reason"]

_WORDS = {
    "at": ("at the nominal {alpha}", "处于名义水平{alpha}"),
    "above": ("above the nominal {alpha}", "高于名义水平{alpha}"),
    "below": ("below the nominal {alpha}", "低于名义水平{alpha}"),
    "rate": ("{rate} at {n} applicants ({low} to {high})", "{n}名申请人时为{rate}（{low}至{high}）"),
    "sentence": ("{test}: {rates}; {verdict}.", "{test}：{rates}；{verdict}。"),
    "mixed": ("{verdicts} depending on the size", "随样本量不同而{verdicts}"),
    "or": (" or ", "或"),
    "any": ("it flags a sample when any of the grades rejects, and with K grades tested at "
            "5 % each that happens in up to 1 - 0.95^K of perfectly calibrated samples",
            "只要任一等级被拒绝即报警，K个等级各按5%检验时，完全校准的样本中最多有1 - 0.95^K会报警"),
    "discrete": ("the number of defaults is a whole number, so the binomial tail cannot hit 5 % "
                 "exactly and the exact test stays below it (conservative), most where a grade "
                 "expects few defaults",
                 "违约数只能取整数，二项分布尾部无法恰好等于5%，精确检验因而偏保守，预期违约数少的等级尤甚"),
    "holm": ("Holm's correction keeps the family's error at or below 5 %, and the exact "
             "per-grade tests under it are conservative",
             "Holm校正使整体误差不超过5%，其下各等级的精确检验本身也偏保守"),
    "skew": ("a low-PD grade's defaults are skewed to the right; the normal curve's upper tail "
             "is too thin there, so the approximation rejects too often",
             "低违约概率等级的违约数右偏，正态分布的上尾过薄，因此近似检验过于频繁地拒绝"),
    "jeffreys": ("Jeffreys' posterior spreads half a default of prior mass, which makes it "
                 "reject a little more often than the exact binomial (close to a mid-p test)",
                 "Jeffreys后验含半个违约的先验质量，比精确二项检验略多拒绝（接近mid-p检验）"),
    "chi2": ("its chi-square approximation needs several expected defaults in every group; "
             "low-PD grades of a small sample have fewer",
             "其卡方近似要求每组有足够的预期违约数，小样本中的低违约概率等级达不到"),
    "normal": ("its normal approximation is rough when few defaults are expected",
               "预期违约数少时其正态近似较粗糙"),
    "correlation": ("With default correlation {rho} within the month, {test} flags {small} of "
                    "samples of {n_small} and {large} of samples of {n_large}: across samples of "
                    "{n_large} the default rate spread {sd} (Vasicek's model says {theory}) "
                    "where the test assumes {binomial}, the binomial spread, and only that "
                    "part shrinks as the sample grows.",
                    "月内违约相关系数为{rho}时，{test}在{n_small}名申请人的样本中报警{small}，"
                    "在{n_large}名时报警{large}：{n_large}名申请人的样本间违约率离散度为{sd}（Vasicek模型给出"
                    "{theory}），而检验假设的是二项分布的{binomial}，只有这一部分随样本增大而缩小。"),
    "detect": ("{test}: {what}", "{test}：{what}"),
    "detect.found": ("detects a PD understated by {x} with 80 % power at {n} applicants",
                     "在{n}名申请人时以80%功效发现低估{x}的违约概率"),
    "detect.none": ("does not reach 80 % power within the studied {x} at {n} applicants",
                    "在{n}名申请人时，研究范围{x}内未达到80%功效"),
    "detect.never": ("never flags an understatement at {n} applicants", "在{n}名申请人时从不报警"),
}


def _w(key: str, lang: str, **values: object) -> str:
    en, zh = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def reason(test: str, verdict: str, lang: str = "en") -> str:
    """Why a test's false-alarm rate is off its level, for that direction ("" when at it)."""
    if verdict == "at":
        return ""
    if test.endswith("_any"):
        key = "any"
    elif test in ("binomial", "jeffreys", "normal") and verdict == "below":
        key = "holm"
    elif test.startswith("normal"):
        key = "skew"
    elif test.startswith("jeffreys") and verdict == "above":
        key = "jeffreys"
    elif test == "hosmer_lemeshow":
        key = "chi2"
    elif test == "spiegelhalter":
        key = "normal"
    else:
        key = "discrete" if verdict == "below" else "normal"
    return _w(key, lang)


def false_alarm_sentences(table: pd.DataFrame, alpha: float, lang: str = "en") -> list[str]:
    """One sentence per test: its false-alarm rate at each size and where it sits, with the
    reason when it is off its level (``table``: :func:`riskkit.validate.false_alarm_table`)."""
    out = []
    level = fmt.percent(alpha)
    for test, part in table.groupby("test", sort=False):
        rates = "; ".join(_w("rate", lang, rate=fmt.percent(r.rate), n=fmt.integer(r.n),
                             low=fmt.percent(r.ci_low), high=fmt.percent(r.ci_high))
                          for r in part.itertuples())
        verdicts = list(dict.fromkeys(part["verdict"]))
        said = [_w(v, lang, alpha=level) for v in verdicts]
        verdict = said[0] if len(said) == 1 else _w("mixed", lang,
                                                    verdicts=_w("or", lang).join(said))
        off = next((v for v in verdicts if v != "at"), "at")
        why = reason(str(test), off, lang)
        sentence = _w("sentence", lang, test=name_text(f"vt.{test}", lang), rates=rates,
                      verdict=verdict)
        out.append(sentence[:-1] + (f": {why}." if lang != "zh" else f"：{why}。")
                   if why else sentence)
    return out


def correlation_sentence(rates: pd.DataFrame, cells: pd.DataFrame, test: str, rho: float,
                         lang: str = "en") -> str:
    """What a common factor does to ``test``: its rate at the smallest and largest size, and
    the default rate's spread against the binomial's (from the study's cells)."""
    part = rates[(rates["kind"] == "correlation") & (rates["size"] == rho)
                 & (rates["test"] == test)].sort_values("n")
    spread = cells[(cells["kind"] == "correlation") & (cells["size"] == rho)].sort_values("n")
    small, large = part.iloc[0], part.iloc[-1]
    top = spread.iloc[-1]
    return _w("correlation", lang, rho=fmt.sig(rho), test=name_text(f"vt.{test}", lang),
              small=fmt.percent(small["rate"]), n_small=fmt.integer(small["n"]),
              large=fmt.percent(large["rate"]), n_large=fmt.integer(large["n"]),
              sd=fmt.percent(top["dr_sd"]), theory=fmt.percent(top.get("theory_sd")),
              binomial=fmt.percent(top["binomial_sd"]))


def detectable_sentence(row: pd.Series, n: int, lang: str = "en") -> str:
    """A row of :func:`riskkit.validate.detectable` in words."""
    smallest, largest = row["smallest"], row["largest_studied"]
    if smallest is not None and not pd.isna(smallest):
        what = _w("detect.found", lang, x=fmt.percent(smallest), n=fmt.integer(n))
    elif largest is not None and not pd.isna(largest):
        what = _w("detect.none", lang, x=fmt.percent(largest), n=fmt.integer(n))
    else:
        what = _w("detect.never", lang, n=fmt.integer(n))
    return _w("detect", lang, test=name_text(f"vt.{row['test']}", lang), what=what)
