from . import views

app_name = "teaching"

urlpatterns = views.urlpatterns_()
