"""World Bank Doing Business 2020 scoring engine (DB17–20 methodology); pure Python, no Django.

Rules come from data/SOURCES.md: a component scores 100·(worst − y)/(worst − best) clipped to 0–100,
the total tax and contribution rate (TTCR) uses the 0.8 power curve, a topic is the mean of its
components with the special cases below, and the overall score is the mean of the ten topics.

How unknown (missing or null) values are treated, decided here and tested:

- A `*_no_practice` flag that is missing means 0: no "No Practice" mark. With a flag of 1 the topic
  scores 0 and its other values are not needed; values given anyway are validated but not used, as the
  World Bank's own data carries a framework index under "No Practice" for resolving insolvency.
- `pt_vat_status` / `pt_cit_status` decide which post-filing values are read: `vat_refund` needs both
  VAT-refund times, `no_vat_refund_in_case` scores both VAT components 0 without reading them, `no_vat`
  drops them from the post-filing index (likewise `cit` / `no_cit`); with neither VAT nor CIT the
  paying-taxes score is the mean of payments, time and TTCR. `no_practice` requires `pt_no_practice` = 1.
- A composite that is missing is the sum of its parts when all parts are given, as SOURCES.md defines
  it (building quality, land administration, judicial quality, insolvency framework, PMI strength, TTCR,
  court time and cost). The reliability index is not derived: the World Bank sets it to 0 for economies
  without usable outage data, which the parts alone do not show.
- Any other scored value that is missing raises `RawInputError(code="missing")`: the rules never say
  to treat an unknown value as zero or to drop it from its topic.
- When a composite and all its parts are given they must agree (sums of indices exactly; TTCR and
  court time/cost within 0.2, the rounding of three one-decimal parts; reliability may also be 0).
  Otherwise an edit to a part would silently change nothing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA_DIR = Path(__file__).parent / "data"

TOPICS: tuple[str, ...] = (
    "starting_a_business",
    "dealing_with_construction_permits",
    "getting_electricity",
    "registering_property",
    "getting_credit",
    "protecting_minority_investors",
    "paying_taxes",
    "trading_across_borders",
    "enforcing_contracts",
    "resolving_insolvency",
)

TOPIC_LABELS: dict[str, str] = {
    "starting_a_business": "开办企业",
    "dealing_with_construction_permits": "办理建筑许可",
    "getting_electricity": "获得电力",
    "registering_property": "登记财产",
    "getting_credit": "获得信贷",
    "protecting_minority_investors": "保护少数投资者",
    "paying_taxes": "纳税",
    "trading_across_borders": "跨境贸易",
    "enforcing_contracts": "执行合同",
    "resolving_insolvency": "办理破产",
}

# Chinese label of every raw input, in the column order of doing_business_2020_indicators.csv.
FIELD_LABELS: dict[str, str] = {
    "dcp_no_practice": "办理建筑许可·无实践标记",
    "ge_no_practice": "获得电力·无实践标记",
    "rp_no_practice": "登记财产·无实践标记",
    "pt_no_practice": "纳税·无实践标记",
    "tab_no_practice": "跨境贸易·无实践标记",
    "ri_no_practice": "办理破产·无实践标记",
    "pt_vat_status": "纳税·增值税退税情形",
    "pt_cit_status": "纳税·企业所得税更正情形",
    "sb_procedures_men": "开办企业·手续数（男性）",
    "sb_time_men_days": "开办企业·时间（男性，天）",
    "sb_cost_men_pct_income": "开办企业·成本（男性，占人均收入%）",
    "sb_procedures_women": "开办企业·手续数（女性）",
    "sb_time_women_days": "开办企业·时间（女性，天）",
    "sb_cost_women_pct_income": "开办企业·成本（女性，占人均收入%）",
    "sb_min_capital_pct_income": "开办企业·最低实缴资本（占人均收入%）",
    "dcp_procedures": "办理建筑许可·手续数",
    "dcp_time_days": "办理建筑许可·时间（天）",
    "dcp_cost_pct_warehouse": "办理建筑许可·成本（占仓库价值%）",
    "dcp_building_quality_index_0_15": "办理建筑许可·建筑质量控制指数（0–15）",
    "dcp_bq_regulations_0_2": "建筑质量控制指数·建筑法规质量（0–2）",
    "dcp_bq_before_construction_0_1": "建筑质量控制指数·施工前质量控制（0–1）",
    "dcp_bq_during_construction_0_3": "建筑质量控制指数·施工中质量控制（0–3）",
    "dcp_bq_after_construction_0_3": "建筑质量控制指数·施工后质量控制（0–3）",
    "dcp_bq_liability_insurance_0_2": "建筑质量控制指数·责任和保险制度（0–2）",
    "dcp_bq_professional_cert_0_4": "建筑质量控制指数·专业认证（0–4）",
    "ge_procedures": "获得电力·手续数",
    "ge_time_days": "获得电力·时间（天）",
    "ge_cost_pct_income": "获得电力·成本（占人均收入%）",
    "ge_reliability_index_0_8": "获得电力·供电可靠性和电费透明度指数（0–8）",
    "ge_rel_outages_duration_frequency_0_3": "供电可靠性指数·停电时长与频率（0–3）",
    "ge_rel_monitoring_outages_0_1": "供电可靠性指数·停电监测工具（0–1）",
    "ge_rel_restoring_service_0_1": "供电可靠性指数·恢复供电工具（0–1）",
    "ge_rel_regulatory_monitoring_0_1": "供电可靠性指数·监管机构监测（0–1）",
    "ge_rel_financial_deterrents_0_1": "供电可靠性指数·限制停电的经济惩戒（0–1）",
    "ge_rel_tariff_communication_0_1": "供电可靠性指数·电价透明度（0–1）",
    "ge_saidi_hours": "获得电力·系统平均停电时间 SAIDI（小时）",
    "ge_saifi_count": "获得电力·系统平均停电频率 SAIFI（次）",
    "ge_min_outage_minutes": "获得电力·计入统计的最短停电时长（分钟）",
    "ge_price_us_cents_kwh": "获得电力·电价（美分/千瓦时）",
    "rp_procedures": "登记财产·手续数",
    "rp_time_days": "登记财产·时间（天）",
    "rp_cost_pct_property": "登记财产·成本（占财产价值%）",
    "rp_land_admin_quality_index_0_30": "登记财产·土地管理质量指数（0–30）",
    "rp_la_infrastructure_reliability_0_8": "土地管理质量指数·基础设施可靠性（0–8）",
    "rp_la_information_transparency_0_6": "土地管理质量指数·信息透明度（0–6）",
    "rp_la_geographic_coverage_0_8": "土地管理质量指数·地理覆盖范围（0–8）",
    "rp_la_land_dispute_resolution_0_8": "土地管理质量指数·土地争议解决（0–8）",
    "rp_la_equal_access_minus2_0": "土地管理质量指数·产权平等获取（−2–0）",
    "gc_legal_rights_index_0_12": "获得信贷·合法权利力度指数（0–12）",
    "gc_credit_info_depth_index_0_8": "获得信贷·信用信息深度指数（0–8）",
    "gc_credit_registry_coverage_pct_adults": "获得信贷·公共征信机构覆盖率（占成年人%）",
    "gc_credit_bureau_coverage_pct_adults": "获得信贷·私营征信机构覆盖率（占成年人%）",
    "pmi_disclosure_0_10": "保护少数投资者·披露程度指数（0–10）",
    "pmi_director_liability_0_10": "保护少数投资者·董事责任程度指数（0–10）",
    "pmi_shareholder_suits_0_10": "保护少数投资者·股东诉讼便利度指数（0–10）",
    "pmi_shareholder_rights_0_6": "保护少数投资者·股东权利指数（0–6）",
    "pmi_ownership_control_0_7": "保护少数投资者·所有权和管理控制指数（0–7）",
    "pmi_corporate_transparency_0_7": "保护少数投资者·公司透明度指数（0–7）",
    "pmi_strength_index_0_50": "保护少数投资者·保护力度指数（0–50）",
    "pt_payments_per_year": "纳税·缴税次数（次/年）",
    "pt_time_hours_per_year": "纳税·时间（小时/年）",
    "pt_total_tax_contribution_rate_pct_profit": "纳税·总税收和缴费率（占利润%）",
    "pt_profit_tax_pct_profit": "纳税·利润税（占利润%）",
    "pt_labor_tax_pct_profit": "纳税·劳动税及缴费（占利润%）",
    "pt_other_taxes_pct_profit": "纳税·其他税费（占利润%）",
    "pt_vat_refund_comply_hours": "纳税·增值税退税申报时间（小时）",
    "pt_vat_refund_obtain_weeks": "纳税·增值税退税到账时间（周）",
    "pt_cit_correction_comply_hours": "纳税·企业所得税更正申报时间（小时）",
    "pt_cit_correction_complete_weeks": "纳税·企业所得税更正完成时间（周）",
    "tab_export_documentary_hours": "跨境贸易·出口单证合规时间（小时）",
    "tab_export_border_hours": "跨境贸易·出口边境合规时间（小时）",
    "tab_import_documentary_hours": "跨境贸易·进口单证合规时间（小时）",
    "tab_import_border_hours": "跨境贸易·进口边境合规时间（小时）",
    "tab_export_documentary_cost_usd": "跨境贸易·出口单证合规成本（美元）",
    "tab_export_border_cost_usd": "跨境贸易·出口边境合规成本（美元）",
    "tab_import_documentary_cost_usd": "跨境贸易·进口单证合规成本（美元）",
    "tab_import_border_cost_usd": "跨境贸易·进口边境合规成本（美元）",
    "ec_time_days": "执行合同·时间（天）",
    "ec_filing_service_days": "执行合同·立案和送达时间（天）",
    "ec_trial_judgment_days": "执行合同·审判和判决时间（天）",
    "ec_enforcement_days": "执行合同·判决执行时间（天）",
    "ec_cost_pct_claim": "执行合同·成本（占索赔额%）",
    "ec_attorney_fees_pct_claim": "执行合同·律师费（占索赔额%）",
    "ec_court_fees_pct_claim": "执行合同·诉讼费（占索赔额%）",
    "ec_enforcement_fees_pct_claim": "执行合同·执行费（占索赔额%）",
    "ec_judicial_quality_index_0_18": "执行合同·司法程序质量指数（0–18）",
    "ec_jq_court_structure_0_5": "司法程序质量指数·法院结构和诉讼程序（0–5）",
    "ec_jq_case_management_0_6": "司法程序质量指数·案件管理（0–6）",
    "ec_jq_court_automation_0_4": "司法程序质量指数·法院自动化（0–4）",
    "ec_jq_adr_0_3": "司法程序质量指数·替代性纠纷解决（0–3）",
    "ri_recovery_rate_cents_per_dollar": "办理破产·回收率（美分/美元）",
    "ri_outcome_going_concern": "办理破产·结果（持续经营为 1，分拆出售为 0）",
    "ri_time_years": "办理破产·时间（年）",
    "ri_cost_pct_estate": "办理破产·成本（占资产价值%）",
    "ri_insolvency_framework_index_0_16": "办理破产·破产框架力度指数（0–16）",
    "ri_if_commencement_0_3": "破产框架力度指数·启动程序（0–3）",
    "ri_if_debtor_assets_0_6": "破产框架力度指数·债务人资产管理（0–6）",
    "ri_if_reorganization_0_3": "破产框架力度指数·重整程序（0–3）",
    "ri_if_creditor_participation_0_4": "破产框架力度指数·债权人参与（0–4）",
}

RAW_COLUMNS: tuple[str, ...] = tuple(FIELD_LABELS)

NO_PRACTICE_FLAGS: dict[str, str] = {
    "dealing_with_construction_permits": "dcp_no_practice",
    "getting_electricity": "ge_no_practice",
    "registering_property": "rp_no_practice",
    "paying_taxes": "pt_no_practice",
    "trading_across_borders": "tab_no_practice",
    "resolving_insolvency": "ri_no_practice",
}

VAT_STATUSES: tuple[str, ...] = ("vat_refund", "no_vat", "no_vat_refund_in_case", "no_practice")
CIT_STATUSES: tuple[str, ...] = ("cit", "no_cit", "no_practice")
STATUS_CHOICES: dict[str, tuple[str, ...]] = {"pt_vat_status": VAT_STATUSES, "pt_cit_status": CIT_STATUSES}
STATUS_LABELS: dict[str, str] = {
    "vat_refund": "有增值税，可退税（需填两项退税用时）", "no_vat": "无增值税",
    "no_vat_refund_in_case": "有增值税，但本案例不适用退税（两项退税记 0 分）",
    "cit": "有企业所得税（需填两项更正用时）", "no_cit": "无企业所得税",
    "no_practice": "无实践（需将纳税专题的“无实践”设为是）",
}

TTCR_FIELD = "pt_total_tax_contribution_rate_pct_profit"
TTCR_EXPONENT = 0.8
VAT_FIELDS: tuple[str, str] = ("pt_vat_refund_comply_hours", "pt_vat_refund_obtain_weeks")
CIT_FIELDS: tuple[str, str] = ("pt_cit_correction_comply_hours", "pt_cit_correction_complete_weeks")
POSTFILING = "pt_postfiling_index_0_100"

# (best, worst) of every scored indicator; the component key is its raw column.
BOUNDS: dict[str, tuple[float, float]] = {
    "sb_procedures_men": (1, 18),
    "sb_time_men_days": (0.5, 100),
    "sb_cost_men_pct_income": (0, 200),
    "sb_procedures_women": (1, 18),
    "sb_time_women_days": (0.5, 100),
    "sb_cost_women_pct_income": (0, 200),
    "sb_min_capital_pct_income": (0, 400),
    "dcp_procedures": (5, 30),
    "dcp_time_days": (26, 373),
    "dcp_cost_pct_warehouse": (0, 20),
    "dcp_building_quality_index_0_15": (15, 0),
    "ge_procedures": (3, 9),
    "ge_time_days": (18, 248),
    "ge_cost_pct_income": (0, 8100),
    "ge_reliability_index_0_8": (8, 0),
    "rp_procedures": (1, 13),
    "rp_time_days": (1, 210),
    "rp_cost_pct_property": (0, 15),
    "rp_land_admin_quality_index_0_30": (30, 0),
    "gc_legal_rights_index_0_12": (12, 0),
    "gc_credit_info_depth_index_0_8": (8, 0),
    "pmi_disclosure_0_10": (10, 0),
    "pmi_director_liability_0_10": (10, 0),
    "pmi_shareholder_suits_0_10": (10, 0),
    "pmi_shareholder_rights_0_6": (6, 0),
    "pmi_ownership_control_0_7": (7, 0),
    "pmi_corporate_transparency_0_7": (7, 0),
    "pt_payments_per_year": (3, 63),
    "pt_time_hours_per_year": (49, 696),
    TTCR_FIELD: (26.1, 84.0),
    "pt_vat_refund_comply_hours": (0, 50),
    "pt_vat_refund_obtain_weeks": (3.2, 55),
    "pt_cit_correction_comply_hours": (1.5, 56),
    "pt_cit_correction_complete_weeks": (0, 32),
    "tab_export_documentary_hours": (1, 170),
    "tab_export_border_hours": (1, 160),
    "tab_import_documentary_hours": (1, 240),
    "tab_import_border_hours": (1, 280),
    "tab_export_documentary_cost_usd": (0, 400),
    "tab_export_border_cost_usd": (0, 1060),
    "tab_import_documentary_cost_usd": (0, 700),
    "tab_import_border_cost_usd": (0, 1200),
    "ec_time_days": (120, 1340),
    "ec_cost_pct_claim": (0.1, 89),
    "ec_judicial_quality_index_0_18": (18, 0),
    "ri_recovery_rate_cents_per_dollar": (92.9, 0),
    "ri_insolvency_framework_index_0_16": (16, 0),
}

# Scored indicators of each topic (paying taxes' post-filing ones are handled by its status rules).
TOPIC_FIELDS: dict[str, tuple[str, ...]] = {
    "starting_a_business": (
        "sb_procedures_men", "sb_time_men_days", "sb_cost_men_pct_income",
        "sb_procedures_women", "sb_time_women_days", "sb_cost_women_pct_income",
        "sb_min_capital_pct_income",
    ),
    "dealing_with_construction_permits": (
        "dcp_procedures", "dcp_time_days", "dcp_cost_pct_warehouse", "dcp_building_quality_index_0_15",
    ),
    "getting_electricity": ("ge_procedures", "ge_time_days", "ge_cost_pct_income", "ge_reliability_index_0_8"),
    "registering_property": (
        "rp_procedures", "rp_time_days", "rp_cost_pct_property", "rp_land_admin_quality_index_0_30",
    ),
    "getting_credit": ("gc_legal_rights_index_0_12", "gc_credit_info_depth_index_0_8"),
    "protecting_minority_investors": (
        "pmi_disclosure_0_10", "pmi_director_liability_0_10", "pmi_shareholder_suits_0_10",
        "pmi_shareholder_rights_0_6", "pmi_ownership_control_0_7", "pmi_corporate_transparency_0_7",
    ),
    "paying_taxes": ("pt_payments_per_year", "pt_time_hours_per_year", TTCR_FIELD),
    "trading_across_borders": (
        "tab_export_documentary_hours", "tab_export_border_hours",
        "tab_import_documentary_hours", "tab_import_border_hours",
        "tab_export_documentary_cost_usd", "tab_export_border_cost_usd",
        "tab_import_documentary_cost_usd", "tab_import_border_cost_usd",
    ),
    "enforcing_contracts": ("ec_time_days", "ec_cost_pct_claim", "ec_judicial_quality_index_0_18"),
    "resolving_insolvency": ("ri_recovery_rate_cents_per_dollar", "ri_insolvency_framework_index_0_16"),
}

# Men and women are scored separately; the topic uses the mean of the two for each pair.
SB_PAIRS: tuple[tuple[str, str], ...] = (
    ("sb_procedures_men", "sb_procedures_women"),
    ("sb_time_men_days", "sb_time_women_days"),
    ("sb_cost_men_pct_income", "sb_cost_women_pct_income"),
)

# Topics scored on the sum of their indices against the sum of the maxima, not on a mean.
SUM_TOPICS: dict[str, float] = {"getting_credit": 20.0, "protecting_minority_investors": 50.0}

COMPONENT_KEYS: tuple[str, ...] = (*BOUNDS, POSTFILING)

INDEX_TOLERANCE = 1e-6
ROUNDED_PARTS_TOLERANCE = 0.2


@dataclass(frozen=True)
class Composite:
    """A raw column that is the sum of other raw columns."""

    parts: tuple[str, ...]
    tolerance: float = INDEX_TOLERANCE
    derivable: bool = True
    may_be_zero: bool = False


COMPOSITES: dict[str, Composite] = {
    "dcp_building_quality_index_0_15": Composite(
        ("dcp_bq_regulations_0_2", "dcp_bq_before_construction_0_1", "dcp_bq_during_construction_0_3",
         "dcp_bq_after_construction_0_3", "dcp_bq_liability_insurance_0_2", "dcp_bq_professional_cert_0_4"),
    ),
    # The World Bank gives 0 to economies whose outage data are missing or above its thresholds.
    "ge_reliability_index_0_8": Composite(
        ("ge_rel_outages_duration_frequency_0_3", "ge_rel_monitoring_outages_0_1", "ge_rel_restoring_service_0_1",
         "ge_rel_regulatory_monitoring_0_1", "ge_rel_financial_deterrents_0_1", "ge_rel_tariff_communication_0_1"),
        derivable=False,
        may_be_zero=True,
    ),
    "rp_land_admin_quality_index_0_30": Composite(
        ("rp_la_infrastructure_reliability_0_8", "rp_la_information_transparency_0_6",
         "rp_la_geographic_coverage_0_8", "rp_la_land_dispute_resolution_0_8", "rp_la_equal_access_minus2_0"),
    ),
    "pmi_strength_index_0_50": Composite(TOPIC_FIELDS["protecting_minority_investors"]),
    TTCR_FIELD: Composite(
        ("pt_profit_tax_pct_profit", "pt_labor_tax_pct_profit", "pt_other_taxes_pct_profit"),
        tolerance=ROUNDED_PARTS_TOLERANCE,
    ),
    "ec_time_days": Composite(
        ("ec_filing_service_days", "ec_trial_judgment_days", "ec_enforcement_days"),
        tolerance=ROUNDED_PARTS_TOLERANCE,
    ),
    "ec_cost_pct_claim": Composite(
        ("ec_attorney_fees_pct_claim", "ec_court_fees_pct_claim", "ec_enforcement_fees_pct_claim"),
        tolerance=ROUNDED_PARTS_TOLERANCE,
    ),
    "ec_judicial_quality_index_0_18": Composite(
        ("ec_jq_court_structure_0_5", "ec_jq_case_management_0_6", "ec_jq_court_automation_0_4", "ec_jq_adr_0_3"),
    ),
    "ri_insolvency_framework_index_0_16": Composite(
        ("ri_if_commencement_0_3", "ri_if_debtor_assets_0_6", "ri_if_reorganization_0_3",
         "ri_if_creditor_participation_0_4"),
    ),
}

# Index columns carry their range in their names (…_0_15, …_minus2_0).
_INDEX_RANGE = re.compile(r"_(0|minus2)_(\d+)$")
_EXTRA_RANGES: dict[str, tuple[float, float]] = {
    "gc_credit_registry_coverage_pct_adults": (0, 100),
    "gc_credit_bureau_coverage_pct_adults": (0, 100),
    "ri_recovery_rate_cents_per_dollar": (0, 100),
    "ri_outcome_going_concern": (0, 1),
}
TOPIC_PREFIXES: dict[str, str] = {
    "sb": "starting_a_business",
    "dcp": "dealing_with_construction_permits",
    "ge": "getting_electricity",
    "rp": "registering_property",
    "gc": "getting_credit",
    "pmi": "protecting_minority_investors",
    "pt": "paying_taxes",
    "tab": "trading_across_borders",
    "ec": "enforcing_contracts",
    "ri": "resolving_insolvency",
}

PUBLISHED_ECONOMIES = 190
ROUNDING = Decimal("0.001")


class RawInputError(ValueError):
    """One economy's raw indicators are unusable: which field, a machine code and a Chinese message."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Result:
    """Scores of one economy: components (None where a status excludes one), topics and overall, 0–100."""

    components: dict[str, float | None]
    topics: dict[str, float]
    overall: float


@dataclass(frozen=True)
class PublishedRow:
    """One published DB2020 row: an economy (with iso3 and rank) or a city (without)."""

    code: str
    economy: str
    iso3: str | None
    region: str
    income_group: str
    rank: int | None
    score: float
    topics: Mapping[str, float]


@dataclass(frozen=True)
class PublishedTable:
    """The 190 ranked economies in rank order, and the Beijing and Shanghai city measurements."""

    economies: tuple[PublishedRow, ...]
    cities: tuple[PublishedRow, ...]


# --- validation -----------------------------------------------------------------------------------


def _label(field: str) -> str:
    """The field's Chinese label followed by its key, for messages."""
    label = FIELD_LABELS.get(field)
    return f"「{label}」（{field}）" if label else f"「{field}」"


def _value_range(field: str) -> tuple[float, float | None]:
    """The allowed (minimum, maximum) of a numeric field; most values only have to be non-negative."""
    if field in _EXTRA_RANGES:
        return _EXTRA_RANGES[field]
    match = _INDEX_RANGE.search(field)
    if match is None:
        return 0.0, None
    if match.group(1) == "minus2":
        return -2.0, float(match.group(2))
    return 0.0, float(match.group(2))


def _parse_number(field: str, value: Any) -> float | None:
    """A finite number within the field's range, or None for unknown."""
    if value is None:
        return None
    # bool is an int in Python; true/false is not a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RawInputError(field, "not_a_number", f"{_label(field)}应为数字，收到：{value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise RawInputError(field, "not_a_number", f"{_label(field)}应为有限数字，收到：{value!r}")
    low, high = _value_range(field)
    if number < low and low == 0:
        raise RawInputError(field, "negative", f"{_label(field)}不能为负数，收到：{value!r}")
    if number < low or (high is not None and number > high):
        shown_high = "不限" if high is None else f"{high:g}"
        raise RawInputError(
            field, "out_of_range", f"{_label(field)}应在 {low:g} 至 {shown_high} 之间，收到：{value!r}"
        )
    return number


def _parse_flag(field: str, value: Any) -> int:
    """A No Practice flag: 0 or 1; missing means 0 (no mark)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in (0, 1):
        raise RawInputError(field, "invalid_choice", f"{_label(field)}应为 0 或 1，收到：{value!r}")
    return int(value)


def _parse_status(field: str, value: Any) -> str | None:
    """A paying-taxes status string from its fixed set, or None for unknown."""
    if value is None:
        return None
    choices = STATUS_CHOICES[field]
    if not isinstance(value, str) or value not in choices:
        raise RawInputError(
            field, "invalid_choice", f"{_label(field)}应为 {'、'.join(choices)} 之一，收到：{value!r}"
        )
    return value


def _parse_field(field: str, value: Any) -> Any:
    """Type and range check of one raw value."""
    if field.endswith("_no_practice"):
        return _parse_flag(field, value)
    if field in STATUS_CHOICES:
        return _parse_status(field, value)
    return _parse_number(field, value)


def _no_practice(values: Mapping[str, Any], topic: str) -> bool:
    """Whether the topic carries the No Practice mark."""
    flag = NO_PRACTICE_FLAGS.get(topic)
    return flag is not None and values[flag] == 1


def _topic_of(field: str) -> str:
    """The topic a raw column belongs to, from its prefix."""
    return TOPIC_PREFIXES[field.split("_", 1)[0]]


def _reconcile_composites(values: dict[str, Any]) -> None:
    """Derive missing composites from their parts and refuse composites that contradict them."""
    for field, composite in COMPOSITES.items():
        if _no_practice(values, _topic_of(field)):
            continue
        parts = [values[part] for part in composite.parts]
        if any(part is None for part in parts):
            continue
        total = math.fsum(parts)
        if values[field] is None:
            if composite.derivable:
                values[field] = total
            continue
        given = values[field]
        if abs(given - total) <= composite.tolerance or (composite.may_be_zero and given == 0):
            continue
        raise RawInputError(
            field,
            "inconsistent",
            f"{_label(field)}为 {given:g}，与其分项之和 {total:g} 不一致（分项：{'、'.join(composite.parts)}）",
        )


def _required_fields(values: Mapping[str, Any]) -> list[str]:
    """The raw columns the scoring rules need, given the flags and statuses."""
    required: list[str] = []
    for topic in TOPICS:
        if _no_practice(values, topic):
            continue
        required.extend(TOPIC_FIELDS[topic])
        if topic == "paying_taxes":
            required.extend(("pt_vat_status", "pt_cit_status"))
            if values["pt_vat_status"] == "vat_refund":
                required.extend(VAT_FIELDS)
            if values["pt_cit_status"] == "cit":
                required.extend(CIT_FIELDS)
    return required


def _check_statuses(values: Mapping[str, Any]) -> None:
    """A status of no_practice is only meaningful with the paying-taxes No Practice mark."""
    if values["pt_no_practice"] == 1:
        return
    for field in STATUS_CHOICES:
        if values[field] == "no_practice":
            raise RawInputError(
                field,
                "inconsistent",
                f"{_label(field)}为 no_practice，但「纳税·无实践标记」（pt_no_practice）不是 1",
            )


def parse_raw(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one economy's raw indicators; return every raw column (None = unknown) or raise RawInputError."""
    if not isinstance(data, Mapping):
        raise RawInputError("", "not_an_object", f"输入应为以指标名为键的对象，收到：{type(data).__name__}")
    for key in data:
        if key not in FIELD_LABELS:
            raise RawInputError(str(key), "unknown_field", f"未知字段「{key}」，不是营商环境2020原始指标")
    values = {field: _parse_field(field, data.get(field)) for field in RAW_COLUMNS}
    _check_statuses(values)
    _reconcile_composites(values)
    for field in _required_fields(values):
        if values[field] is None:
            raise RawInputError(field, "missing", f"缺少{_label(field)}，按评分规则该项必须填写")
    return values


# --- scoring --------------------------------------------------------------------------------------


def _clip(value: float, low: float, high: float) -> float:
    """Value limited to [low, high]."""
    return min(max(value, low), high)


def component_score(field: str, value: float) -> float:
    """Score 0–100 of one scored indicator's raw value (linear between the bounds; TTCR on its curve)."""
    best, worst = BOUNDS[field]
    share = _clip((worst - value) / (worst - best), 0.0, 1.0)
    if field == TTCR_FIELD:
        return 100.0 * share**TTCR_EXPONENT
    return 100.0 * share


def _mean(values: Iterable[float]) -> float:
    """Arithmetic mean (accurate summation)."""
    items = list(values)
    return math.fsum(items) / len(items)


def _status_components(values: Mapping[str, Any]) -> dict[str, float | None]:
    """The four post-filing components: scored, 0 (no refund in the case study) or None (no VAT / no CIT)."""
    scores: dict[str, float | None] = {}
    for fields, status, present in (
        (VAT_FIELDS, values["pt_vat_status"], "vat_refund"),
        (CIT_FIELDS, values["pt_cit_status"], "cit"),
    ):
        for field in fields:
            if status == present:
                scores[field] = component_score(field, values[field])
            elif status == "no_vat_refund_in_case":
                scores[field] = 0.0
            else:
                scores[field] = None
    return scores


def _paying_taxes(values: Mapping[str, Any], components: dict[str, float | None]) -> float:
    """Mean of payments, time, TTCR and the post-filing index; without VAT and CIT, of the first three."""
    postfiling = _status_components(values)
    components.update(postfiling)
    present = [score for score in postfiling.values() if score is not None]
    components[POSTFILING] = _mean(present) if present else None
    parts = [components[field] for field in TOPIC_FIELDS["paying_taxes"]]
    parts.append(components[POSTFILING])
    return _mean(part for part in parts if part is not None)


def _topic_score(topic: str, values: Mapping[str, Any], components: dict[str, float | None]) -> float:
    """Score of one topic from its already scored components (paying taxes adds its post-filing ones)."""
    if topic in SUM_TOPICS:
        total = math.fsum(values[field] for field in TOPIC_FIELDS[topic])
        return 100.0 * _clip(total / SUM_TOPICS[topic], 0.0, 1.0)
    if topic == "paying_taxes":
        return _paying_taxes(values, components)
    if topic == "starting_a_business":
        pairs = [_mean((_float(components[men]), _float(components[women]))) for men, women in SB_PAIRS]
        return _mean([*pairs, _float(components["sb_min_capital_pct_income"])])
    return _mean(_float(components[field]) for field in TOPIC_FIELDS[topic])


def _float(value: float | None) -> float:
    """A component that the rules guarantee to be scored."""
    if value is None:
        raise AssertionError("component expected to be scored")
    return value


def _no_practice_components(topic: str) -> dict[str, float | None]:
    """All components of a No Practice topic, scored 0."""
    fields = list(TOPIC_FIELDS[topic])
    if topic == "paying_taxes":
        fields.extend((*VAT_FIELDS, *CIT_FIELDS, POSTFILING))
    return dict.fromkeys(fields, 0.0)


def _score_values(values: Mapping[str, Any]) -> Result:
    """Score already validated raw values."""
    components: dict[str, float | None] = {}
    topics: dict[str, float] = {}
    for topic in TOPICS:
        if _no_practice(values, topic):
            components.update(_no_practice_components(topic))
            topics[topic] = 0.0
            continue
        for field in TOPIC_FIELDS[topic]:
            components[field] = component_score(field, values[field])
        topics[topic] = _topic_score(topic, values, components)
    ordered = {key: components[key] for key in COMPONENT_KEYS}
    return Result(components=ordered, topics=topics, overall=_mean(topics.values()))


def score(raw: Mapping[str, Any]) -> Result:
    """Validate and score one economy's or city's raw DB2020 indicators."""
    return _score_values(parse_raw(raw))


def _parse_weight(weight: Any) -> float:
    """A city's population weight: a number in (0, 1]."""
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise RawInputError("national_weight", "invalid_weight", f"城市权重应为 0 至 1 之间的数字，收到：{weight!r}")
    return float(weight)


def _weighted(pairs: list[tuple[float | None, float]]) -> float | None:
    """Weighted sum; None unless every city has the value."""
    if any(value is None for value, _ in pairs):
        return None
    return math.fsum(_float(value) * weight for value, weight in pairs)


def score_two_city(city_rows_with_weights: Iterable[tuple[Mapping[str, Any], float]]) -> Result:
    """Score an economy measured in several cities: the population-weighted mean of the city scores."""
    cities = [(score(raw), _parse_weight(weight)) for raw, weight in city_rows_with_weights]
    total = math.fsum(weight for _, weight in cities)
    if not cities or abs(total - 1.0) > INDEX_TOLERANCE:
        raise RawInputError("national_weight", "invalid_weight", f"各城市权重之和应为 1，实际为 {total:g}")
    components = {key: _weighted([(result.components[key], weight) for result, weight in cities])
                  for key in COMPONENT_KEYS}
    topics = {topic: math.fsum(result.topics[topic] * weight for result, weight in cities) for topic in TOPICS}
    return Result(components=components, topics=topics, overall=_mean(topics.values()))


# --- published data -------------------------------------------------------------------------------


def _read_csv(name: str) -> list[dict[str, str]]:
    """Rows of one of the package's data files."""
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _published_row(row: Mapping[str, str], code_column: str) -> PublishedRow:
    """A PublishedRow from a scores or cities CSV row."""
    return PublishedRow(
        code=row[code_column],
        economy=row["economy"],
        iso3=row.get("iso3") or None,
        region=row["region"],
        income_group=row["income_group"],
        rank=int(row["db2020_rank"]) if row["db2020_rank"] else None,
        score=float(row["db2020_score"]),
        topics=MappingProxyType({topic: float(row[f"{topic}_score"]) for topic in TOPICS}),
    )


COMPARISON_CITIES: tuple[str, ...] = ("CHN_Beij", "CHN")


@cache
def published_table() -> PublishedTable:
    """The published DB2020 table (190 economies by rank) and the Beijing and Shanghai rows."""
    economies = sorted(
        (_published_row(row, "wb_db_code") for row in _read_csv("doing_business_2020_scores.csv")),
        key=lambda row: row.rank or 0,
    )
    cities = {row["code"]: _published_row(row, "code") for row in _read_csv("doing_business_2020_cities_and_unranked.csv")}
    return PublishedTable(economies=tuple(economies), cities=tuple(cities[code] for code in COMPARISON_CITIES))


@cache
def economy_names_zh() -> Mapping[str, str]:
    """The 190 economies' names in Simplified Chinese, by ISO 3166 alpha-3 code (economy_names_zh.csv)."""
    return MappingProxyType({row["iso3"]: row["name_zh"] for row in _read_csv("economy_names_zh.csv")})


@cache
def _published_scores() -> tuple[float, ...]:
    """The 190 published overall scores."""
    return tuple(row.score for row in published_table().economies)


def rank(overall: float) -> int:
    """1 + the number of the 190 economies whose published DB2020 score is higher."""
    if isinstance(overall, bool) or not isinstance(overall, int | float) or not math.isfinite(overall):
        raise ValueError(f"overall score must be a finite number, got {overall!r}")
    return 1 + sum(1 for published in _published_scores() if published > overall)


def _raw_from_csv(row: Mapping[str, str]) -> dict[str, Any]:
    """Typed raw input from an indicators CSV row (empty cell = unknown)."""
    raw: dict[str, Any] = {}
    for field in RAW_COLUMNS:
        cell = row[field]
        if field.endswith("_no_practice"):
            raw[field] = int(cell)
        elif field in STATUS_CHOICES:
            raw[field] = cell or None
        else:
            raw[field] = float(cell) if cell else None
    return raw


@cache
def _published_raw_rows() -> dict[str, dict[str, Any]]:
    """Raw inputs of the 190 economies and the 23 city/unranked rows, by World Bank code."""
    rows = _read_csv("doing_business_2020_indicators.csv") + _read_csv("doing_business_2020_indicators_cities.csv")
    return {row["wb_db_code"]: _raw_from_csv(row) for row in rows}


def published_raw(code: str) -> dict[str, Any]:
    """A copy of the published raw indicators of one economy or city, by World Bank code (e.g. CHN_Beij)."""
    return dict(_published_raw_rows()[code])


# --- API shape ------------------------------------------------------------------------------------


def round_score(value: float) -> float:
    """A score rounded half-up to 3 decimals, the precision of the published table."""
    return float(Decimal(repr(value)).quantize(ROUNDING, rounding=ROUND_HALF_UP))


def simulate(data: Mapping[str, Any]) -> dict[str, Any]:
    """CONTRACT §8 result: rounded topic scores, overall score, and its rank among the 190 economies."""
    result = score(data)
    overall = round_score(result.overall)
    # Ranked on the rounded score so that the reply is self-consistent with the published 3-decimal table.
    return {
        "topics": {topic: round_score(result.topics[topic]) for topic in TOPICS},
        "score": overall,
        "rank": rank(overall),
        "of": PUBLISHED_ECONOMIES,
    }
