"""Pages of the goal chain (filled in by the change that builds them)."""

urlpatterns: list = []
