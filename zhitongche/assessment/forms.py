"""Web forms of the assessment pages; validation of substance stays in the services."""

from typing import Any, cast

from django import forms

from zhitongche.regions.models import Department

from . import db2020
from .computed import registered
from .models import ActionStatus, DataSource, Direction


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    """A form's choice field, typed."""
    return cast(forms.ChoiceField, form.fields[name])


def _departments() -> list[tuple[str, str]]:
    return [("", "—")] + [(d.code, d.name) for d in Department.objects.filter(active=True).order_by("kind", "code")]


class SystemForm(forms.Form):
    """A new local indicator system."""

    code = forms.CharField(label="体系代码", max_length=32)
    name = forms.CharField(label="名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IndicatorForm(forms.Form):
    """An indicator's definition (add or edit)."""

    code = forms.CharField(label="指标代码", max_length=32)
    parent = forms.ChoiceField(label="上级指标", required=False)
    name = forms.CharField(label="名称", max_length=100)
    unit = forms.CharField(label="计量单位", max_length=20, required=False)
    direction = forms.ChoiceField(label="方向", choices=Direction.choices)
    best = forms.FloatField(label="最优值（前沿）", required=False)
    worst = forms.FloatField(label="最差值", required=False)
    target = forms.FloatField(label="目标值（未填最优值时作为满分线）", required=False)
    weight = forms.FloatField(label="权重", min_value=0, initial=1.0)
    source = forms.ChoiceField(label="数据来源", choices=DataSource.choices)
    computed_key = forms.ChoiceField(label="计算函数（数据来源为平台数据计算时）", required=False)
    department = forms.ChoiceField(label="责任部门", required=False)

    def __init__(self, *args: Any, parents: list[tuple[str, str]] | None = None, editing: bool = False,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "parent").choices = [("", "（一级指标）")] + (parents or [])
        _choices(self, "computed_key").choices = [("", "—")] + [(k, c.label) for k, c in registered().items()]
        _choices(self, "department").choices = _departments()
        if editing:
            del self.fields["code"]
            del self.fields["parent"]


class ObservationForm(forms.Form):
    """One observation entered on the page."""

    indicator = forms.ChoiceField(label="指标")
    unit = forms.ChoiceField(label="被考核单位")
    period = forms.CharField(label="考核期", max_length=10, help_text="如 2026、2026-H1、2026-Q3")
    value = forms.CharField(label="观测值", max_length=40)
    source_note = forms.CharField(label="来源说明", max_length=200, required=False)

    def __init__(self, *args: Any, indicators: list[tuple[str, str]], units: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "indicator").choices = indicators
        _choices(self, "unit").choices = units


class ImportForm(forms.Form):
    """An .xlsx of observations (third-party evaluation results and the like)."""

    file = forms.FileField(label="Excel 文件（.xlsx）")
    source_note = forms.CharField(label="来源说明（未在文件中填写时使用）", max_length=200, required=False,
                                  help_text="如：2026 年度第三方评估（XX 研究院）")
    dry_run = forms.BooleanField(label="只校验，不写入", required=False)


class ComputeForm(forms.Form):
    """Compute the results of a period."""

    period = forms.CharField(label="考核期", max_length=10)


class PlanForm(forms.Form):
    """A new plan version."""

    title = forms.CharField(label="方案名称", max_length=200, initial="营商环境优化提升方案")


def topic_choices() -> list[tuple[str, str]]:
    """DB2020 topics and the scored raw indicators, for choosing what an action targets."""
    return [(t, db2020.TOPIC_LABELS[t]) for t in db2020.TOPICS] + [
        (f, db2020.FIELD_LABELS[f]) for f in db2020.BOUNDS]


class ActionForm(forms.Form):
    """A new action in a plan."""

    topic = forms.ChoiceField(label="针对的专题或指标")
    title = forms.CharField(label="举措", max_length=300)
    owner = forms.ChoiceField(label="牵头部门")
    deadline = forms.DateField(label="完成时限", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "topic").choices = topic_choices()
        _choices(self, "owner").choices = _departments()[1:]


class ActionStatusForm(forms.Form):
    """Move an action."""

    status = forms.ChoiceField(label="状态", choices=ActionStatus.choices)
