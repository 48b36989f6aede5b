"""Coded values of the registry, shared with the departments that are responsible for them."""

from django.db import models


class Category(models.TextChoices):
    """企业类别: who reports the entity depends on it (CONTRACT.md §4)."""

    KEY_PROJECT = "key_project", "重点项目"
    ABOVE_SCALE_INDUSTRIAL = "above_scale_industrial", "规上工业"
    ABOVE_LIMIT_TRADE = "above_limit_trade", "限上商贸"
    OTHER = "other", "其他"


class EnterpriseKind(models.TextChoices):
    """市场主体类型."""

    COMPANY = "company", "企业"
    INDIVIDUAL = "individual", "个体工商户"
    COOPERATIVE = "cooperative", "农民专业合作社"
    OTHER = "other", "其他"


class EnterpriseStatus(models.TextChoices):
    """经营状态."""

    OPERATING = "operating", "投产运营"
    CONSTRUCTING = "constructing", "在建"
    SUSPENDED = "suspended", "停产"
    DEREGISTERED = "deregistered", "注销"
