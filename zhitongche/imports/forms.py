"""The upload form."""

from django import forms

from .kinds import all_kinds


class ImportForm(forms.Form):
    """Kind, file and the dry-run switch."""

    kind = forms.ChoiceField(label="模板类型")
    file = forms.FileField(label="文件（.xlsx 或 UTF-8 .csv）")
    dry_run = forms.BooleanField(label="只校验，不写入", required=False)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.title) for k in all_kinds()]
