"""Web forms of the appeals workbenches (validation of shape only; rules live in services)."""

from typing import Any, cast

from django import forms
from django.urls import reverse

from .models import CONTENT_MAX, TITLE_MAX, Category, Channel, Stage


class SubmitForm(forms.Form):
    """A new appeal; the enterprise field is a choice for stewards, fixed for enterprise users."""

    enterprise = forms.CharField(label="企业（输入名称或统一社会信用代码，从列表中选择）", max_length=18)
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.ONLINE)
    category = forms.ChoiceField(label="类别", choices=Category.choices, initial=Category.GENERAL,
                                 help_text="咨询类、紧急类 1 个工作日内反馈，一般类 5 个，复杂类 15 个")
    title = forms.CharField(label="标题", max_length=TITLE_MAX)
    content = forms.CharField(label="诉求内容", max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, enterprises: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"] = forms.ChoiceField(label="企业", choices=enterprises)
        else:
            # Typing part of a name fills the datalist (registry's enterprise options); picking fills in the code.
            self.fields["enterprise"].widget.attrs.update({
                "list": "enterprise-options", "autocomplete": "off", "hx-get": reverse("registry:enterprise_options"),
                "hx-trigger": "input changed delay:300ms", "hx-target": "#enterprise-options"})


class ListFilterForm(forms.Form):
    """Filters of the appeal list; `figure` carries the statistic a chart or a number links from."""

    q = forms.CharField(label="标题或编号", required=False, max_length=100)
    stage = forms.ChoiceField(label="阶段", required=False, choices=[("", "全部"), *Stage.choices])
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部"), *Category.choices])
    department = forms.CharField(label="主办部门代码", required=False, max_length=32)
    region = forms.CharField(label="区域代码", required=False, max_length=12)
    date_from = forms.DateField(label="提交日期起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="提交日期止", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.NullBooleanField(label="超期", required=False, widget=forms.Select(
        choices=[("", "全部"), ("true", "仅超期"), ("false", "未超期")]))
    figure = forms.CharField(label="统计口径", required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any):
        # The figure links use the API's names `from` and `to`.
        if data is not None:
            data = data.copy()
            for short, long in (("from", "date_from"), ("to", "date_to")):
                if data.get(short) and not data.get(long):
                    data[long] = data[short]
        super().__init__(data, *args, **kwargs)


class StatsForm(forms.Form):
    """The period and scope of the figures page."""

    date_from = forms.DateField(label="提交日期起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="提交日期止", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ChoiceField(label="区域", required=False)
    department = forms.ChoiceField(label="主办部门", required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], departments: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "全市"), *regions]
        cast(forms.ChoiceField, self.fields["department"]).choices = [("", "全部部门"), *departments]
