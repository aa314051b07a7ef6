"""Routes for the evaluation app."""

from django.urls import path

from divert.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("tracker/", views.tracker_page, name="tracker"),
    path("tracker/children/", views.tracker_children, name="tracker_children"),
    path("extract/", views.extract_page, name="extract"),
    path("extract/download/", views.extract_download, name="extract_download"),
]
