from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("systems/overview/", views.systems_overview, name="systems"),
    path("systems/overview/apply/", views.systems_apply, name="systems_apply"),
    *[pattern for kind in views.KINDS for pattern in kind.urls()],
]
