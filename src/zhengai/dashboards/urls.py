from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cockpit/", views.cockpit, name="cockpit_school"),
    path("cockpit/<str:level>/", views.cockpit, name="cockpit"),
    path("entities/school/", views.entity, name="entity_school"),
    path("entities/<str:level>/<int:pk>/", views.entity, name="entity"),
]
