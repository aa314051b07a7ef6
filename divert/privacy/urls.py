"""Routes for the privacy app: retention rules and runs, subject access exports, merging
a duplicate record of a child."""

from django.urls import path

from divert.privacy import views

app_name = "privacy"

urlpatterns = [
    path("retention/", views.retention, name="retention"),
    path("retention/rules/<str:record_type>/", views.edit_rule, name="edit_rule"),
    path("retention/run/", views.run, name="run"),
    path("children/<id:child_id>/", views.subject_access, name="subject_access"),
    path("children/<id:child_id>/merge/", views.merge, name="merge"),
    path("children/<id:child_id>/subject-access.json", views.subject_access_download,
         {"file_format": "json"}, name="subject_access_json"),
    path("children/<id:child_id>/subject-access.pdf", views.subject_access_download,
         {"file_format": "pdf"}, name="subject_access_pdf"),
]
