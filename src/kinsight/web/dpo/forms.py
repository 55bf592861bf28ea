from django import forms

from kinsight.governance.agreements import TEMPLATES


class TemplateForm(forms.Form):
    template = forms.ChoiceField(
        choices=[(name, name.replace("-", " ").capitalize()) for name in TEMPLATES],
        error_messages={"required": "Select a template", "invalid_choice": "Select a template"},
    )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s) for s in ("active", "suspended", "expired")])
    version = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=500, required=False)


class AuditSearchForm(forms.Form):
    """Searching the log; sent by POST so a person id never lands in a URL or server log."""

    target = forms.CharField(max_length=200, required=False, label="Person id or object")
    actor = forms.CharField(max_length=150, required=False, label="User")
    action = forms.CharField(max_length=64, required=False, label="Action")
    outcome = forms.CharField(max_length=32, required=False, label="Outcome")
    date_from = forms.DateField(required=False, label="From date", error_messages={"invalid": "Enter a real date, for example 2026-11-21"})
    date_to = forms.DateField(required=False, label="To date", error_messages={"invalid": "Enter a real date, for example 2026-11-21"})


class ReviewForm(forms.Form):
    justified = forms.TypedChoiceField(
        choices=[("yes", "Justified"), ("no", "Not justified")],
        coerce=lambda value: value == "yes",
        error_messages={"required": "Say whether the access was justified"},
    )
    note = forms.CharField(max_length=2000, required=False)
