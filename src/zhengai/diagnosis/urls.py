"""The spiral's pages: each views module owns its URL patterns, gathered here under one namespace."""

from . import views, views_improvements

app_name = "diagnosis"

urlpatterns = [*views.urlpatterns, *views_improvements.urlpatterns]
