"""The goal chain's pages: each views module owns its own URL patterns, gathered here under one namespace."""

from . import views, views_keytasks, views_records, views_tracking

app_name = "goals"

urlpatterns = [
    *views.urlpatterns,
    *views_keytasks.urlpatterns,
    *views_records.urlpatterns,
    *views_tracking.urlpatterns,
]
