"""Forms of the shell pages, and what every page's form shares."""

from django import forms

from .errors import DomainError


def refused_field(form: forms.Form, exc: DomainError) -> str | None:
    """The field of `form` a service's refusal names (its details["field"]), to show the message beside; or None."""
    field = exc.details.get("field")
    return field if field in form.fields else None


class AuditFilterForm(forms.Form):
    """Filters of the audit page."""

    actor = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.CharField(label="动作", required=False, max_length=64)
    object_type = forms.CharField(label="对象类型", required=False, max_length=100)
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
