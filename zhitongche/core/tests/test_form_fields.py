"""The shared form-fields partial: a field's hint is the element its aria-describedby names."""

from django import forms
from django.template.loader import render_to_string


class HintedForm(forms.Form):
    note = forms.CharField(label="说明", help_text="不超过 100 字")


def test_the_hint_is_what_the_field_points_screen_readers_to():
    html = render_to_string("core/partials/_form_fields.html", {"form": HintedForm()})
    assert 'aria-describedby="id_note_helptext"' in html and 'id="id_note_helptext"' in html
