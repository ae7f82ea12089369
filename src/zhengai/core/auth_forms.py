from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "账号或密码不正确。请注意区分大小写。",
        "inactive": "该账号已停用，请联系质管办。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"
        self.fields["username"].widget = forms.TextInput(attrs={"autofocus": True, "class": "input",
                                                                "autocomplete": "username"})
        self.fields["password"].widget = forms.PasswordInput(attrs={"class": "input",
                                                                    "autocomplete": "current-password"})
