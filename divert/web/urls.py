"""General pages: sign in, home, my work, team, follow-up, and the child's record (which brings every
pathway app together; the other child pages are in people)."""

from django.urls import path

from divert.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("health/", views.health, name="health"),
    path("my-work/", views.my_work, name="my_work"),
    path("team/", views.team, name="team"),
    path("team/children/", views.team_children, name="team_children"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("children/<id:child_id>/", views.child_detail, name="child_detail"),
]
