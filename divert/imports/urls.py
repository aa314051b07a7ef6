"""Routes for the imports app (under /imports/)."""

from django.urls import path

from divert.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<id:run_id>/", views.run_detail, name="run"),
    path("<id:run_id>/confirm/", views.confirm, name="confirm"),
    path("<id:run_id>/rejected-rows.csv", views.download_errors, name="errors"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<id:review_id>/", views.review_detail, name="review"),
]
