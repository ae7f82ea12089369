from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.chain, name="chain"),
    path("qcpoints/", views.qcpoint_list, name="qcpoint_list"),
    path("qcpoints/<int:pk>/", views.qcpoint_detail, name="qcpoint_detail"),
    path("qcpoints/<int:pk>/edit/", views.qcpoint_edit, name="qcpoint_edit"),
    path("qcpoints/<int:pk>/own/<str:kind>/<int:entity_pk>/", views.own_target, name="own_target"),
]
