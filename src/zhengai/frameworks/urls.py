from django.urls import path

from . import views

app_name = "frameworks"

urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("import/", views.import_view, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:pk>/", views.framework_detail, name="framework_detail"),
    path("<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("<int:pk>/adopt/", views.adopt, name="adopt"),
    path("<int:pk>/export/", views.export, name="export"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
]
