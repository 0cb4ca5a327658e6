"""The synthetic world's feature registry: every column ``riskkit generate`` writes.

Generator, models, charts, reason codes and recourse read it (through the :class:`Registry`
value a model or run carries, this one by default), so a feature's name, unit, risk
direction, kind and the words used to explain it are written exactly once. The registry
type and its vocabulary are in :mod:`riskkit.core.registry`.
"""

from __future__ import annotations

from riskkit.core.registry import GROUPS, Direction, Dtype, Feature, Kind, Registry

__all__ = ["CATEGORICAL", "CONTRIB_PREFIX", "FEATURES", "GENDERS", "GROUPS", "ID_COLUMN",
           "LOAN_PURPOSES", "MODEL_FEATURES", "OCCUPATIONS", "PROTECTED", "REGISTRY", "SYNTHETIC",
           "TARGET", "TRUTH_COLUMNS", "Direction", "Dtype", "Feature", "Kind", "Registry",
           "contrib_column", "describe", "get", "is_model_feature", "monotone_constraints",
           "population_columns"]

OCCUPATIONS: tuple[str, ...] = (
    "state_owned",
    "private_salaried",
    "internet_industry",
    "freelancer",
    "self_employed",
    "blue_collar",
    "student",
)
LOAN_PURPOSES: tuple[str, ...] = (
    "consumption",
    "emergency",
    "education",
    "travel",
    "business",
    "unspecified",
)
GENDERS: tuple[str, ...] = ("female", "male")

_F = Feature
FEATURES: tuple[Feature, ...] = (
    _F("age", "int", "years", "Age at application", "申请时年龄", "none", "immutable",
       "profile", "", "", fmt="{:.0f}", model_feature=False, protected=True, lower=18,
       upper=65, label_en="Age (years)", label_zh="年龄（岁）"),
    _F("gender", "category", "", "Gender, kept for fairness analysis only", "性别（仅用于公平性分析）",
       "none", "immutable", "profile", "", "", model_feature=False, protected=True,
       categories=GENDERS, label_en="Gender", label_zh="性别"),
    _F("occupation", "category", "", "Occupation / employment type", "职业类型", "none",
       "immutable", "income_stability",
       "Occupation ({value}) has volatile earnings",
       "职业（{value}）收入波动较大",
       categories=OCCUPATIONS, label_en="Occupation", label_zh="职业"),
    _F("city_tier", "int", "tier", "City tier of residence (1 = largest cities)",
       "居住城市等级（1 = 一线城市）", "none", "immutable", "profile",
       "Lives in a tier-{value} city", "居住在{value}线城市", fmt="{:.0f}",
       lower=1, upper=4, label_en="City tier", label_zh="城市等级",
       # where someone lives stands in for who they are (a geographic proxy), and the truth
       # gives it no effect: a model may score it, no letter may cite it
       citable=False),
    _F("monthly_income", "float", "CNY/month", "Average monthly income over the last 12 months",
       "近12个月平均月收入", "decreasing", "actionable", "repayment_capacity",
       "Documented income is {value} CNY a month; among approved applicants the median is {reference} CNY",
       "可证明月收入为{value}元；获批申请人的中位数为{reference}元",
       fmt="{:,.0f}", lower=0, label_en="Monthly income (CNY)", label_zh="月收入（元）"),
    _F("income_volatility", "float", "ratio",
       "Coefficient of variation of the last 12 monthly incomes (income stability)",
       "近12个月月收入的变异系数（收入稳定性）", "increasing", "actionable", "income_stability",
       "Income varied {value} from month to month; among approved applicants the median is {reference}",
       "月收入波动幅度为{value}；获批申请人的中位数为{reference}",
       fmt="{:.0%}", lower=0, step=0.01, label_en="Income volatility (CV)", label_zh="收入波动（变异系数）"),
    _F("applications_30d", "int", "count", "Credit applications / inquiries in the last 30 days",
       "近30天贷款申请（征信查询）次数", "increasing", "time_decaying", "borrowing_frequency",
       "{value} credit applications in the last 30 days; among approved applicants the median is {reference}",
       "近30天申请贷款{value}次；获批申请人的中位数为{reference}次",
       fmt="{:.0f}", window_months=1, step=1, lower=0,
       label_en="Applications, last 30 days", label_zh="近30天申请次数"),
    _F("applications_90d", "int", "count", "Credit applications / inquiries in the last 90 days",
       "近90天贷款申请（征信查询）次数", "increasing", "time_decaying", "borrowing_frequency",
       "{value} credit applications in the last 90 days; among approved applicants the median is {reference}",
       "近90天申请贷款{value}次；获批申请人的中位数为{reference}次",
       fmt="{:.0f}", window_months=3, step=1, lower=0,
       label_en="Applications, last 90 days", label_zh="近90天申请次数"),
    _F("active_platforms", "int", "count", "Lending platforms used in the last 6 months",
       "近6个月使用过的借贷平台数（多头借贷）", "increasing", "time_decaying", "multi_platform",
       "Borrowed on {value} lending platforms in the last 6 months; among approved applicants the median is {reference}",
       "近6个月在{value}个借贷平台借款；获批申请人的中位数为{reference}个",
       fmt="{:.0f}", window_months=6, step=1, lower=0,
       label_en="Active lending platforms (6 months)", label_zh="近6个月借贷平台数"),
    _F("loans_12m", "int", "count", "Loans taken in the last 12 months, all lenders",
       "近12个月借款笔数（所有机构）", "increasing", "time_decaying", "borrowing_frequency",
       "{value} loans taken in the last 12 months; among approved applicants the median is {reference}",
       "近12个月借款{value}笔；获批申请人的中位数为{reference}笔",
       fmt="{:.0f}", window_months=12, step=1, lower=0,
       label_en="Loans taken, last 12 months", label_zh="近12个月借款笔数"),
    _F("overdue_count_24m", "int", "count", "Overdue repayments in the last 24 months",
       "近24个月逾期次数", "increasing", "time_decaying", "overdue_history",
       "{value} overdue repayments in the last 24 months; among approved applicants the median is {reference}",
       "近24个月逾期{value}次；获批申请人的中位数为{reference}次",
       fmt="{:.0f}", window_months=24, step=1, lower=0,
       label_en="Overdue repayments, 24 months", label_zh="近24个月逾期次数"),
    _F("max_dpd_24m", "int", "days", "Worst days past due in the last 24 months",
       "近24个月最长逾期天数", "increasing", "time_decaying", "overdue_history",
       "Worst delay in the last 24 months was {value} days past due; among approved applicants the median is {reference}",
       "近24个月最长逾期{value}天；获批申请人的中位数为{reference}天",
       fmt="{:.0f}", window_months=24, step=1, lower=0,
       label_en="Worst days past due, 24 months", label_zh="近24个月最长逾期天数"),
    _F("months_since_last_overdue", "float", "months",
       "Months since the last overdue repayment (missing: never overdue)",
       "距最近一次逾期的月数（缺失：从未逾期）", "decreasing", "time_decaying", "overdue_history",
       "Last overdue repayment was {value} months ago",
       "最近一次逾期发生在{value}个月前",
       fmt="{:.0f}", step=1, lower=0, label_en="Months since last overdue", label_zh="距上次逾期月数"),
    _F("current_overdue", "int", "flag", "Currently overdue on any loan (1 = yes)",
       "当前是否有逾期未还（1 = 是）", "increasing", "actionable", "overdue_history",
       "A repayment is overdue right now", "当前存在未结清的逾期",
       fmt="{:.0f}", step=1, lower=0, upper=1, label_en="Currently overdue", label_zh="当前逾期"),
    _F("credit_history_months", "int", "months", "Months since the first credit account",
       "信用记录时长（月）", "decreasing", "time_decaying", "overdue_history",
       "Credit history is {value} months long; among approved applicants the median is {reference}",
       "信用记录仅{value}个月；获批申请人的中位数为{reference}个月",
       fmt="{:.0f}", step=1, lower=0, label_en="Credit history (months)", label_zh="信用记录时长（月）"),
    _F("outstanding_debt", "float", "CNY", "Outstanding consumer debt, all lenders",
       "所有机构未结清消费贷款余额", "increasing", "actionable", "debt",
       "Outstanding debt is {value} CNY", "未结清贷款余额为{value}元",
       fmt="{:,.0f}", lower=0, model_feature=False,
       label_en="Outstanding debt (CNY)", label_zh="贷款余额（元）"),
    _F("debt_to_income", "float", "ratio",
       "Outstanding debt over annual income (monthly repayments over monthly income if repaid in 12 months)",
       "贷款余额与年收入之比", "increasing", "actionable", "debt",
       "Debt is {value} of annual income; among approved applicants the median is {reference}",
       "负债为年收入的{value}；获批申请人的中位数为{reference}",
       fmt="{:.0%}", lower=0, step=0.01, label_en="Debt to income", label_zh="负债收入比"),
    _F("credit_utilization", "float", "ratio",
       "Credit-card balance over limit (missing: no credit card)",
       "信用卡额度使用率（缺失：无信用卡）", "increasing", "actionable", "debt",
       "Credit cards are {value} used; among approved applicants the median is {reference}",
       "信用卡额度使用率为{value}；获批申请人的中位数为{reference}",
       fmt="{:.0%}", lower=0, upper=1.5, step=0.01,
       label_en="Credit-card utilisation", label_zh="信用卡使用率"),
    _F("deposit_assets", "float", "CNY", "Savings and investments visible to the lender",
       "可验证的存款与理财资产", "decreasing", "actionable", "repayment_capacity",
       "Verified savings are {value} CNY; among approved applicants the median is {reference} CNY",
       "可验证资产为{value}元；获批申请人的中位数为{reference}元",
       fmt="{:,.0f}", lower=0, label_en="Savings and investments (CNY)", label_zh="存款与理财（元）"),
    _F("has_housing_fund", "int", "flag", "Contributes to a housing provident fund (1 = yes)",
       "是否缴纳住房公积金（1 = 是）", "decreasing", "immutable", "income_stability",
       "No housing-provident-fund record to confirm stable employment",
       "无住房公积金缴存记录，难以证明工作稳定",
       fmt="{:.0f}", lower=0, upper=1, label_en="Housing provident fund", label_zh="住房公积金"),
    _F("requested_amount", "float", "CNY", "Amount requested in this application",
       "本次申请借款金额", "increasing", "actionable", "loan",
       "Requested {value} CNY; among approved applicants the median is {reference} CNY",
       "申请借款{value}元；获批申请人的中位数为{reference}元",
       fmt="{:,.0f}", lower=50, label_en="Requested amount (CNY)", label_zh="申请金额（元）"),
    _F("loan_purpose", "category", "", "Stated purpose of the loan", "借款用途", "none",
       "immutable", "loan",
       "Stated purpose ({value}) carries higher risk", "借款用途（{value}）风险较高",
       categories=LOAN_PURPOSES, label_en="Loan purpose", label_zh="借款用途"),
)

#: The synthetic world's registry: the default wherever no other registry is given.
SYNTHETIC = Registry(FEATURES)
#: The same value under its older name (read-only: a run's own features never enter it).
REGISTRY = SYNTHETIC

#: Ordered names of the features a model may use (never a protected attribute).
MODEL_FEATURES: tuple[str, ...] = SYNTHETIC.model_features
PROTECTED: tuple[str, ...] = SYNTHETIC.protected
CATEGORICAL: tuple[str, ...] = SYNTHETIC.categorical

#: Non-feature columns of a population frame, in order.
ID_COLUMN = "applicant_id"
TARGET = "default_12m"
TRUTH_COLUMNS: tuple[str, ...] = ("true_logit", "true_pd")
CONTRIB_PREFIX = "true_contrib__"


def get(name: str) -> Feature:
    """A synthetic feature by name, with an error that lists what exists."""
    return SYNTHETIC.get_feature(name)


def is_model_feature(name: str) -> bool:
    """True for a model feature of the synthetic world."""
    return SYNTHETIC.is_model_feature(name)


def contrib_column(name: str) -> str:
    """Column holding the true contribution of a feature."""
    return f"{CONTRIB_PREFIX}{name}"


def monotone_constraints(names: list[str] | tuple[str, ...]) -> list[int]:
    """LightGBM monotone constraints of synthetic features, in the order of ``names``."""
    return SYNTHETIC.monotone_constraints(names)


def population_columns() -> list[str]:
    """Column order of a generated population."""
    cols = [ID_COLUMN, *(f.name for f in FEATURES), TARGET, *TRUTH_COLUMNS]
    return cols + [contrib_column(n) for n in MODEL_FEATURES]


def describe() -> list[dict[str, object]]:
    """The synthetic registry as plain records (data cards, reports, JSON)."""
    return SYNTHETIC.describe()
