"""Pages of the spiral (filled in by the change that builds them)."""

urlpatterns: list = []
