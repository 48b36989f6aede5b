"""Forms of the licence pages; the fields of a licence come from its type."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import LicenseStatus, LicenseType


class LicenseFilterForm(forms.Form):
    """Filters of the licence list."""

    q = forms.CharField(label="编号或持证主体", required=False, max_length=100)
    type = forms.ChoiceField(label="证照类型", required=False)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部")] + [(s.value, s.label) for s in LicenseStatus])

    def __init__(self, *args: Any, types: list[LicenseType] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        type_field: Any = self.fields["type"]
        type_field.choices = [("", "全部")] + [(t.code, t.name) for t in types or []]


def _field_inputs(form: forms.Form, license_type: LicenseType, initial: dict[str, str] | None,
                  all_optional: bool = False) -> None:
    for spec in license_type.fields or []:
        form.fields[f"f_{spec['key']}"] = forms.CharField(
            label=spec["label"], required=bool(spec.get("required")) and not all_optional, max_length=1000,
            initial=(initial or {}).get(spec["key"], ""),
        )


class IssueForm(forms.Form):
    """Issue a licence of one type: the holder's USCC, the type's fields, the end of validity."""

    holder = forms.CharField(label="持证主体统一社会信用代码", max_length=18, min_length=18)
    valid_until = forms.DateField(label="有效期至（留空按证照类型计算）", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, license_type: LicenseType, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.license_type = license_type
        _field_inputs(self, license_type, None)
        self.order_fields(["holder"] + [f"f_{spec['key']}" for spec in license_type.fields or []] + ["valid_until"])

    def values(self) -> dict[str, str]:
        """The licence field values entered."""
        return {spec["key"]: self.cleaned_data.get(f"f_{spec['key']}", "") for spec in self.license_type.fields or []}


class ChangeForm(forms.Form):
    """变更: edit the fields; the new version keeps the validity unless a new end is given."""

    valid_until = forms.DateField(label="新的有效期至（留空不变）", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="变更说明", required=False, max_length=500)

    def __init__(self, *args: Any, license_type: LicenseType, initial_values: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.license_type = license_type
        _field_inputs(self, license_type, initial_values, all_optional=True)
        # The licence's fields first, then the validity and the note.
        self.order_fields([f"f_{spec['key']}" for spec in license_type.fields or []] + ["valid_until", "note"])

    def values(self) -> dict[str, str | None]:
        """Changed values; an emptied optional field is removed."""
        return {spec["key"]: (self.cleaned_data.get(f"f_{spec['key']}") or None)
                for spec in self.license_type.fields or []}


class RenewForm(forms.Form):
    """延续: a new version valid from today."""

    valid_until = forms.DateField(label="有效期至（留空按证照类型计算）", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="延续说明", required=False, max_length=500)


class RevokeForm(forms.Form):
    """吊销: final, with a reason."""

    reason = forms.CharField(label="吊销原因（必填）", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class VerifyUploadForm(forms.Form):
    """Verify a credential pasted as JSON."""

    credential = forms.CharField(label="电子凭证（JSON）", max_length=1 << 20,
                                 widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}))


class LookupForm(forms.Form):
    """Look up a licence by its number."""

    identifier = forms.CharField(label="证照编号", max_length=60)
