"""Self-diagnosis reports' pages."""

from . import views

app_name = "reports"

urlpatterns = views.urlpatterns
