from django.urls import path

from . import views

app_name = "statedata"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/", views.history_detail, name="history_detail"),
    path("quality/", views.quality, name="quality"),
    *[pattern for kind in views.KINDS for pattern in kind.urls()],
]
