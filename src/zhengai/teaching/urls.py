from . import views, views_observations

app_name = "teaching"

urlpatterns = views.urlpatterns_() + views_observations.urlpatterns_()
