from django import forms

from kinsight.web.roles import role_choices


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(strip=False, error_messages={"required": "Enter your password"})


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=lambda: [("", "No role")] + role_choices(),
        required=False,
    )


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Enter a username"})
    password = forms.CharField(
        strip=False, min_length=12,
        error_messages={
            "required": "Enter a password",
            "min_length": "Password must be 12 characters or more",
        },
    )
    role = forms.ChoiceField(choices=role_choices, error_messages={"required": "Select a role"})
