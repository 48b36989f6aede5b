"""The public search form and the admins' synonym form."""

from django import forms

from .models import GuideLevel, TaskType
from .search import FLAGS

KIND_CHOICES = [("all", "全部"), ("item", "服务事项"), ("guide", "办事指南"), ("scenario", "一件事一次办")]


class SearchForm(forms.Form):
    """What the public search page accepts; invalid values fall back to no filter."""

    q = forms.CharField(label="您想办什么事？", required=False, max_length=500,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例如：办健康证、开饭店、上户口",
                                                      "autocomplete": "off"}))
    kind = forms.ChoiceField(label="范围", choices=KIND_CHOICES, required=False)
    department = forms.TypedChoiceField(label="实施部门", coerce=int, required=False, empty_value=None)
    type = forms.ChoiceField(label="事项类型", choices=[("", "全部类型"), *TaskType.choices], required=False)
    level = forms.ChoiceField(label="指南层级", choices=[("", "全部层级"), *GuideLevel.choices], required=False)
    flag = forms.MultipleChoiceField(label="跨域通办", choices=list(FLAGS.items()), required=False,
                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, departments: list[tuple[int, str]] | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部部门"), *(departments or [])]  # type: ignore[attr-defined]


class SynonymForm(forms.Form):
    """One colloquial → formal row."""

    colloquial = forms.CharField(label="口语说法", max_length=50)
    formal = forms.CharField(label="规范用语", max_length=50)
    note = forms.CharField(label="说明", max_length=200, required=False)
