"""Assessment API: the simulated Doing Business ranking (CONTRACT §8), indicator systems, observations, results."""

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from zhitongche.api.auth import acting_user
from zhitongche.core.errors import DomainError, InvalidInput

from . import db2020, selectors, services
from .models import Indicator, Result

router = Router(tags=["监督考核"])

# A complete raw input is about 6 KB; anything far larger is not one economy's indicators.
MAX_SIMULATE_BODY = 64 * 1024


def _raw_schema() -> dict[str, Any]:
    """The OpenAPI schema of the simulate body: one property per raw DB2020 column."""
    properties: dict[str, Any] = {}
    for field, label in db2020.FIELD_LABELS.items():
        if field.endswith("_no_practice"):
            properties[field] = {"type": "integer", "enum": [0, 1], "description": label}
        elif field in db2020.STATUS_CHOICES:
            properties[field] = {"type": ["string", "null"], "enum": [*db2020.STATUS_CHOICES[field], None],
                                 "description": label}
        else:
            properties[field] = {"type": ["number", "null"], "description": label}
    return {"type": "object", "properties": properties, "additionalProperties": False}


class TopicScores(Schema):
    starting_a_business: float
    dealing_with_construction_permits: float
    getting_electricity: float
    registering_property: float
    getting_credit: float
    protecting_minority_investors: float
    paying_taxes: float
    trading_across_borders: float
    enforcing_contracts: float
    resolving_insolvency: float


class SimulateOut(Schema):
    topics: TopicScores
    score: float
    rank: int
    of: int


def parse_json_body(request: HttpRequest, limit: int = MAX_SIMULATE_BODY) -> Any:
    """The request's JSON body, or a 400/413 error in the contract's shape; never an exception that means 500."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise DomainError("too_large", "请求内容过大", status=413, details={"field": ""}) from exc
    if len(body) > limit:
        raise DomainError("too_large", f"请求内容过大（上限 {limit // 1024} KB）", status=413, details={"field": ""})
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, integers beyond Python's digit limit
        raise InvalidInput("请求体不是有效的 JSON", code="invalid_json", details={"field": ""}) from exc


@router.post("/assessment/db2020/simulate", response=SimulateOut, summary="模拟营商环境2020排名",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/json": {"schema": _raw_schema()}}}})
def db2020_simulate(request: HttpRequest) -> dict[str, Any]:
    """Score one economy's or city's raw DB2020 indicators and rank the score among the 190 economies."""
    data = parse_json_body(request)
    try:
        return db2020.simulate(data)
    except db2020.RawInputError as exc:
        raise InvalidInput(exc.message, code=exc.code, details={"field": exc.field or None}) from exc


# --- indicator systems ----------------------------------------------------------------------------


class SystemOut(Schema):
    id: int
    code: str
    name: str
    framework: str
    version: int
    frozen: bool
    description: str


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    parent: str | None
    unit: str
    direction: str
    best: float | None
    worst: float | None
    target: float | None
    weight: float
    source: str
    computed_key: str
    department: str | None
    local: bool

    @staticmethod
    def resolve_parent(obj: Indicator) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None

    @staticmethod
    def resolve_department(obj: Indicator) -> str | None:
        return obj.department.code if obj.department_id and obj.department else None


class SystemDetailOut(SystemOut):
    indicators: list[IndicatorOut]


class SystemIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    framework: str = "local"
    description: str = Field("", max_length=2000)


class IndicatorIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    parent: str | None = Field(None, max_length=32)
    unit: str = Field("", max_length=20)
    direction: str = "higher"
    best: float | None = None
    worst: float | None = None
    target: float | None = None
    weight: float = 1.0
    source: str = "entered"
    computed_key: str = Field("", max_length=64)
    department: str | None = Field(None, max_length=32)


class IndicatorPatch(Schema):
    name: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, max_length=20)
    direction: str | None = None
    best: float | None = None
    worst: float | None = None
    target: float | None = None
    weight: float | None = None
    source: str | None = None
    computed_key: str | None = Field(None, max_length=64)
    department: str | None = Field(None, max_length=32)


def _system_detail(system: Any) -> dict[str, Any]:
    indicators = list(system.indicators.select_related("parent", "department").order_by("order", "code"))
    fields = ("id", "code", "name", "framework", "version", "frozen", "description")
    return {**{key: getattr(system, key) for key in fields}, "indicators": indicators}


@router.get("/assessment/systems", response=list[SystemOut], summary="指标体系列表")
def system_list(request: HttpRequest) -> list:
    """The newest version of each indicator system."""
    return selectors.system_list(user=acting_user(request))


@router.get("/assessment/systems/{code}", response=SystemDetailOut, summary="指标体系及其指标")
def system_detail(request: HttpRequest, code: str, version: int | None = None) -> dict[str, Any]:
    """One version of a system (the newest by default) with its indicator tree as a flat list."""
    return _system_detail(selectors.system_get(user=acting_user(request), code=code, version=version))


@router.post("/assessment/systems", response={201: SystemOut}, summary="新建本地指标体系")
def system_create(request: HttpRequest, payload: SystemIn) -> Status:
    """Create a local indicator system (admins)."""
    return Status(201, services.system_create(actor=acting_user(request), **payload.dict()))


@router.post("/assessment/systems/{code}/indicators", response={201: IndicatorOut}, summary="添加指标")
def indicator_add(request: HttpRequest, code: str, payload: IndicatorIn) -> Status:
    """Add a local or second-level indicator (admins); a system with results gets a new version first."""
    user = acting_user(request)
    system = selectors.system_get(user=user, code=code)
    return Status(201, services.indicator_add(actor=user, system=system, data=payload.dict()))


@router.patch("/assessment/systems/{code}/indicators/{indicator}", response=IndicatorOut, summary="修改指标")
def indicator_update(request: HttpRequest, code: str, indicator: str, payload: IndicatorPatch) -> Any:
    """Change an indicator (admins); past results keep the version they were computed with."""
    user = acting_user(request)
    system = selectors.system_get(user=user, code=code)
    return services.indicator_update(actor=user, system=system, code=indicator,
                                     data=payload.dict(exclude_unset=True))


# --- observations and results ---------------------------------------------------------------------


class ObservationIn(Schema):
    system: str = Field(max_length=32)
    indicator: str = Field(max_length=32)
    unit: str = Field(max_length=32)
    period: str = Field(max_length=10)
    value: float
    source_note: str = Field("", max_length=200)


class ObservationOut(Schema):
    id: int
    system: str = Field(alias="system_code")
    indicator: str = Field(alias="indicator_code")
    unit: str
    period: str
    value: float
    source: str
    source_note: str

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.code)


class ComputeIn(Schema):
    period: str = Field(max_length=10)


class _ResultFields(Schema):
    """What a ranking row and a drill-down share (not itself in the OpenAPI document)."""

    id: int
    system: str
    version: int
    unit: str
    unit_name: str
    group: str
    period: str
    score: float
    rank: int
    of: int
    coverage: float

    @staticmethod
    def resolve_system(obj: Result) -> str:
        return obj.system.code

    @staticmethod
    def resolve_version(obj: Result) -> int:
        return obj.system.version

    @staticmethod
    def resolve_unit(obj: Result) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Result) -> str:
        return obj.unit.name


class ResultOut(_ResultFields):
    previous_score: float | None = None
    delta: float | None = None


class ResultItemOut(Schema):
    indicator: str
    name: str
    depth: int
    weight: float
    effective_weight: float | None
    value: float | None
    score: float | None
    source: str | None
    source_note: str | None
    observation: int | None


class ResultDetailOut(_ResultFields):
    items: list[ResultItemOut]

    @staticmethod
    def resolve_items(obj: Result) -> list[dict[str, Any]]:
        items = []
        for row in selectors.result_items(result=obj):
            item, node = row["item"], row["node"]
            obs = item.observation if item else None
            items.append({"indicator": node.code, "name": node.name, "depth": row["depth"], "weight": node.weight,
                          "effective_weight": item.effective_weight if item else None,
                          "value": item.value if item else None, "score": item.score if item else None,
                          "source": obs.source if obs else None, "source_note": obs.source_note if obs else None,
                          "observation": obs.pk if obs else None})
        return items


class ResultQuery(Schema):
    system: str = Field(max_length=32)
    period: str = Field(max_length=10)
    group: str | None = Field(None, max_length=10)


@router.post("/assessment/observations", response={201: ObservationOut}, summary="录入观测值")
def observation_set(request: HttpRequest, payload: ObservationIn) -> Status:
    """Enter or correct one observation for a unit and period (bureau, in their region)."""
    user = acting_user(request)
    system = selectors.system_get(user=user, code=payload.system)
    return Status(201, services.observation_set(actor=user, system=system, indicator=payload.indicator,
                                                unit=payload.unit, period=payload.period, value=payload.value,
                                                source_note=payload.source_note))


@router.post("/assessment/systems/{code}/compute", response=list[ResultOut], summary="计算考核得分和排名")
def compute(request: HttpRequest, code: str, payload: ComputeIn) -> list:
    """Score and rank every unit with observations in the period (city-level bureau)."""
    user = acting_user(request)
    system = selectors.system_get(user=user, code=code)
    services.compute_results(actor=user, system=system, period=payload.period)
    return selectors.ranking(user=user, system_code=system.code, period=payload.period.strip().upper())


@router.get("/assessment/results", response=list[ResultOut], summary="考核排名")
def results(request: HttpRequest, query: Query[ResultQuery]) -> list:
    """Ranked results of one period (newest system version with results), with the change on the period before."""
    return selectors.ranking(user=acting_user(request), system_code=query.system.upper(),
                             period=query.period.strip().upper(), group=query.group)


@router.get("/assessment/results/{result_id}", response=ResultDetailOut, summary="考核得分明细")
def result_detail(request: HttpRequest, result_id: int) -> Result:
    """One result drilled down to every indicator's score, effective weight and the observation behind it."""
    return selectors.result_get(user=acting_user(request), pk=result_id)
