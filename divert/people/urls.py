"""Routes for the data-protection pages on a child's record."""

from django.urls import path

from divert.people import views

app_name = "people"

urlpatterns = [
    path("children/<int:child_id>/details/", views.correct_details, name="correct_details"),
    path("children/<int:child_id>/restrict-access/", views.restrict_access, name="restrict_access"),
    path("record-restrictions/<int:restriction_id>/lift/", views.lift_restriction, name="lift_restriction"),
    path("children/<int:child_id>/restrict-processing/", views.restrict_processing, name="restrict_processing"),
]
