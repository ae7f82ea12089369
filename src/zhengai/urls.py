from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from zhengai.api.api import api
from zhengai.core.auth_forms import LoginForm, PasswordForm

urlpatterns = [
    # Browsers ask for /favicon.ico on every page whatever the <link rel="icon"> says: send them to the static one.
    path("favicon.ico", lambda request: redirect(static("zhengai/favicon.svg"), permanent=True)),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html",
                                                authentication_form=LoginForm, redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(form_class=PasswordForm), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("core/", include("zhengai.core.urls")),
    path("org/", include("zhengai.org.urls")),
    path("frameworks/", include("zhengai.frameworks.urls")),
    path("statedata/", include("zhengai.statedata.urls")),
    path("standards/", include("zhengai.standards.urls")),
    path("monitoring/", include("zhengai.monitoring.urls")),
    path("goals/", include("zhengai.goals.urls")),
    path("surveys/", include("zhengai.surveys.urls")),
    path("diagnosis/", include("zhengai.diagnosis.urls")),
    path("evaluation/", include("zhengai.evaluation.urls")),
    path("teaching/", include("zhengai.teaching.urls")),
    path("reports/", include("zhengai.reports.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("zhengai.dashboards.urls")),
]

admin.site.site_header = "诊改平台 · 系统管理"
admin.site.site_title = "诊改平台"
