from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("template/", views.template_install, name="template_install"),
    path("my/", views.my, name="my"),
    path("my/<int:pk>/", views.answer, name="answer"),
    path("t/<str:token>/", views.token_answer, name="token_answer"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/sections/add/", views.section_add, name="section_add"),
    path("<int:pk>/sections/<int:section_pk>/delete/", views.section_delete, name="section_delete"),
    path("<int:pk>/questions/add/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_pk>/", views.question_add, name="question_edit"),
    path("<int:pk>/questions/<int:question_pk>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/do/<str:action>/", views.survey_action, name="survey_action"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/export/", views.results_export, name="results_export"),
    path("<int:pk>/tracking/", views.tracking, name="tracking"),
    path("<int:pk>/invitees/", views.invitees, name="invitees"),
    path("<int:pk>/invitees/export/", views.invitees_export, name="invitees_export"),
]
