"""Fixtures for the licence tests: a food licence type issued by 市场监管局, holders, an issuer."""

from collections.abc import Callable
from typing import Any

import pytest

from zhitongche.registry.identifiers import make_uscc

FOOD_FIELDS = [
    {"key": "legalRepresentative", "label": "法定代表人", "required": True},
    {"key": "address", "label": "住所", "required": True},
    {"key": "businessScope", "label": "经营项目", "required": False},
]


@pytest.fixture
def make_enterprise(departments: None) -> Callable[..., Any]:
    """An enterprise in a region (default 铁东区)."""
    from zhitongche.registry.models import Enterprise

    counter = {"n": 900}

    def make(region: str = "210302", **extra: Any) -> Any:
        counter["n"] += 1
        return Enterprise.objects.create(uscc=make_uscc(region, counter["n"]), name=f"测试企业{counter['n']}有限公司",
                                         region_id=region, **extra)

    return make


@pytest.fixture
def food_type(departments: None) -> Any:
    """食品经营许可证, 5 years, issued by SCJ."""
    from zhitongche.licenses.services import license_type_upsert

    lt, _ = license_type_upsert(actor="test", code="SPJY", name="食品经营许可证", department="SCJ", valid_years=5,
                                fields=FOOD_FIELDS)
    return lt


@pytest.fixture
def issuer(make_user: Callable[..., Any]) -> Any:
    """A user of 市场监管局 (SCJ), the food licence's issuing department."""
    return make_user("department", department="SCJ")


@pytest.fixture
def issue(food_type: Any, issuer: Any, make_enterprise: Callable[..., Any]) -> Callable[..., Any]:
    """Issue a food licence through the service."""
    from zhitongche.licenses.services import license_issue

    def make(holder: Any = None, **kwargs: Any) -> Any:
        holder = holder or make_enterprise()
        return license_issue(actor=issuer, type_code="SPJY", holder=holder.uscc,
                             fields=kwargs.pop("fields", {"legalRepresentative": "张三", "address": "铁东区胜利路 1 号"}),
                             **kwargs)

    return make
