"""Pages: sign in, home, caseload and the child record."""

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
    path("follow-up/", views.follow_up, name="follow_up"),
    path("children/", views.child_list, name="child_list"),
    path("children/find/", views.find_or_add_child, name="find_child"),
    path("children/new/", views.new_child, name="new_child"),
    path("children/<int:child_id>/merge/", views.merge, name="merge"),
    path("children/<int:child_id>/", views.child_detail, name="child_detail"),
]
