from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("warnings/mine/", views.my_warnings, name="my_warnings"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("warnings/bulk/", views.warning_bulk, name="warning_bulk"),
    path("measurements/", views.measurement_list, name="measurement_list"),
    path("measurements/<int:pk>/", views.measurement_detail, name="measurement_detail"),
    path("qualitative/<int:pk>/", views.qualitative_judge, name="qualitative_judge"),
    path("qualitative/files/<int:pk>/", views.judgment_file, name="judgment_file"),
    path("recompute/", views.recompute, name="recompute"),
    path("notifications/", views.notifications, name="notifications"),
    path("policy/", views.policy, name="policy"),
]
