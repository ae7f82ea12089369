from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


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


class PasswordForm(PasswordChangeForm):
    """修改密码, with Chinese labels and messages whatever the installed translations hold."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"old_password": "原密码", "new_password1": "新密码", "new_password2": "再次输入新密码"}
        for name, label in labels.items():
            self.fields[name].label = label
            self.fields[name].widget.attrs["class"] = "input"
        self.fields["new_password1"].help_text = "至少8个字符，不能是常见密码，也不能全是数字。"
