from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.my, name="my"),
    path("vote/<int:pk>/", views.vote, name="vote"),
    path("board/", views.board, name="board"),
    path("windows/", views.window_list, name="window_list"),
    path("windows/defaults/", views.install_defaults, name="install_defaults"),
    path("windows/new/", views.window_edit, name="window_new"),
    path("windows/<int:pk>/", views.window_detail, name="window_detail"),
    path("windows/<int:pk>/edit/", views.window_edit, name="window_edit"),
    path("windows/<int:pk>/review/", views.review, name="review"),
    path("windows/<int:pk>/results/", views.results, name="results"),
    path("windows/<int:pk>/<str:kind>/<int:subject>/", views.subject_result, name="subject_result"),
    path("windows/<int:pk>/<str:action>/", views.window_action, name="window_action"),
    path("results/<int:pk>/", views.target_result, name="target_result"),
    path("instruments/new/", views.instrument_edit, name="instrument_new"),
    path("instruments/<int:pk>/", views.instrument_detail, name="instrument_detail"),
    path("instruments/<int:pk>/edit/", views.instrument_edit, name="instrument_edit"),
    path("instruments/<int:pk>/<str:action>/", views.instrument_action, name="instrument_action"),
]
