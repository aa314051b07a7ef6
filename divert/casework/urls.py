"""Routes for the work with a child."""

from django.urls import path

from divert.casework import views

app_name = "casework"

urlpatterns = [
    path("episodes/<id:episode_id>/assessment/", views.assessment, name="assessment"),
    path("episodes/<id:episode_id>/plan/", views.plan, name="plan"),
    path("episodes/<id:episode_id>/assessment/versions/", views.versions, {"kind": "assessment"},
         name="assessment_versions"),
    path("episodes/<id:episode_id>/plan/versions/", views.versions, {"kind": "plan"}, name="plan_versions"),
    path("assessments/<id:assessment_id>/", views.assessment_version, name="assessment_version"),
    path("plans/<id:plan_id>/", views.plan_version, name="plan_version"),
    path("episodes/<id:episode_id>/sessions/new/", views.session, name="session"),
    path("children/<id:child_id>/contacts/new/", views.contact, name="contact"),
    path("episodes/<id:episode_id>/onward/new/", views.onward, name="onward"),
    path("episodes/<id:episode_id>/close/", views.close, name="close"),
    path("episodes/<id:episode_id>/confirm-completion/", views.confirm_completion, name="confirm_completion"),
    path("episodes/<id:episode_id>/reopen/", views.reopen, name="reopen"),
    path("episodes/<id:episode_id>/review/", views.review, name="review"),
    path("onward/<id:onward_id>/", views.onward_status, name="onward_status"),
    path("recorded-in-error/<slug:kind>/<id:record_id>/", views.void, name="void"),
]
