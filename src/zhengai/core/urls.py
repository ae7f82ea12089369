from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("institution/", views.institution_detail, name="institution_detail"),
    path("institution/switch/", views.switch_institution, name="switch_institution"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("people/search/", views.people_search, name="people_search"),
]
