"""Routes for the evaluation app."""

from django.urls import path

from divert.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("tracker/", views.tracker_page, name="tracker"),
    path("tracker/children/", views.tracker_children, name="tracker_children"),
]
