"""Administrators' pages: the organisation's users and its sign-in rules."""

from django.urls import path

from divert.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.user_list, name="user_list"),
]
