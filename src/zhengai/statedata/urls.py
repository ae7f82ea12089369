from django.urls import path

from . import views

app_name = "statedata"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/", views.history_detail, name="history_detail"),
    path("workbook/import/", views.workbook_import, name="workbook_import"),
    path("workbook/<int:pk>/", views.workbook_detail, name="workbook_detail"),
    path("quality/", views.quality, name="quality"),
    path("versions/", views.versions_list, name="versions"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version_diff"),
    *[pattern for kind in [*views.KINDS, *views.PROCESS_KINDS] for pattern in kind.urls()],
]
