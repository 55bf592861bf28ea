from django import forms

from kinsight.web.quality.runs import RETURN_TYPES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    return_type = forms.ChoiceField(
        choices=list(RETURN_TYPES.items()), widget=forms.RadioSelect,
        error_messages={"required": "Select the return you are uploading"},
    )
    year = forms.IntegerField(
        min_value=2020, max_value=2100,
        error_messages={"required": "Enter the collection year, for example 2026",
                        "invalid": "Enter the collection year as a number, for example 2026",
                        "min_value": "Enter a collection year from 2020", "max_value": "Enter a real collection year"},
    )
