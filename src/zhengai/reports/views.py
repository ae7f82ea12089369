"""Pages of the reports (filled in by the change that builds them)."""

urlpatterns: list = []
