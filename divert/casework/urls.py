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
    path("sessions/<int:session_id>/void/", views.void_session, name="void_session"),
]
