"""Routes for the work with a child."""

from django.urls import path

from divert.casework import views

app_name = "casework"

urlpatterns = [
    path("episodes/<int:episode_id>/assessment/", views.assessment, name="assessment"),
    path("episodes/<int:episode_id>/plan/", views.plan, name="plan"),
    path("episodes/<int:episode_id>/sessions/new/", views.session, name="session"),
    path("episodes/<int:episode_id>/onward/new/", views.onward, name="onward"),
    path("episodes/<int:episode_id>/close/", views.close, name="close"),
    path("episodes/<int:episode_id>/reopen/", views.reopen, name="reopen"),
    path("episodes/<int:episode_id>/review/", views.review, name="review"),
    path("onward/<int:onward_id>/", views.onward_status, name="onward_status"),
    path("recorded-in-error/<slug:kind>/<int:record_id>/", views.void, name="void"),
]
