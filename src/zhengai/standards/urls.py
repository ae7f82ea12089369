from django.urls import path

from . import views, views_chain

app_name = "standards"

urlpatterns = [
    path("", views.chain, name="chain"),
    *[pattern for kind in views_chain.CHAIN_KINDS for pattern in kind.urls()],
    path("qcpoints/", views.qcpoint_list, name="qcpoint_list"),
    path("qcpoints/import/", views.qcpoint_import, name="qcpoint_import"),
    path("qcpoints/import/template/", views.qcpoint_template, name="qcpoint_template"),
    path("qcpoints/export/", views.qcpoint_export, name="qcpoint_export"),
    path("qcpoints/add/", views.qcpoint_add, name="qcpoint_add"),
    path("qcpoints/<int:pk>/retire/", views.qcpoint_retire, name="qcpoint_retire"),
    path("qcpoints/<int:pk>/", views.qcpoint_detail, name="qcpoint_detail"),
    path("qcpoints/<int:pk>/edit/", views.qcpoint_edit, name="qcpoint_edit"),
    path("qcpoints/<int:pk>/own/<str:kind>/<int:entity_pk>/", views.own_target, name="own_target"),
]
