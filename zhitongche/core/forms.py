"""Forms of the shell pages, and what every page's form shares."""

from django import forms

from .errors import DomainError


def refused_field(form: forms.Form, exc: DomainError) -> str | None:
    """The field of `form` a service's refusal names (its details["field"]), to show the message beside; or None."""
    field = exc.details.get("field")
    return field if field in form.fields else None


def show_refusal(form: forms.Form, exc: DomainError) -> tuple[DomainError | None, int]:
    """Put a service's refusal beside the field it names (status 400), or hand it back to be shown above the form
    with its own status; a refusal of the user (403) is never a field's."""
    field = refused_field(form, exc)
    if field and exc.status != 403:
        form.add_error(field, exc.message)
        return None, 400
    return exc, exc.status


class AuditFilterForm(forms.Form):
    """Filters of the audit page."""

    actor = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.CharField(label="动作", required=False, max_length=64)
    object_type = forms.CharField(label="对象类型", required=False, max_length=100)
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
