"""Web forms of the interactions pages."""

from typing import Any, cast

from django import forms

from .models import CONTENT_MAX, Kind


class RecordForm(forms.Form):
    """A contact a steward records with one of its enterprises."""

    enterprise = forms.ChoiceField(label="企业")
    kind = forms.ChoiceField(label="方式", choices=Kind.choices)
    content = forms.CharField(label="互动内容", max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="写清了解到的情况、宣讲的政策或解决的问题；至少 10 个有效字符，套话不计入有效互动")
    appeal = forms.CharField(label="关联诉求编号（可选）", required=False, max_length=32,
                             help_text="诉求页上显示的编号，如 SQ20261126000415")

    def __init__(self, *args: Any, enterprises: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["enterprise"]).choices = enterprises


class CountsForm(forms.Form):
    """Period, region and grouping of the counts page."""

    date_from = forms.DateField(label="日期起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="日期止", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ChoiceField(label="区域", required=False)
    group_by = forms.ChoiceField(label="分组", required=False, initial="steward",
                                 choices=[("steward", "按管家"), ("region", "按区域"), ("month", "按月份")])

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "全市"), *regions]
