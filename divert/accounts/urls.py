"""Administrators' pages: the organisation's users and its sign-in rules."""

from django.urls import path

from divert.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.new_user, name="new_user"),
    path("two-factor-rule/", views.mfa_rule, name="mfa_rule"),
    path("<id:user_id>/", views.user_detail, name="user_detail"),
    path("<id:user_id>/roles/", views.user_roles, name="user_roles"),
    path("<id:user_id>/deactivate/", views.deactivate, name="deactivate"),
    path("<id:user_id>/reset-two-factor/", views.reset_mfa, name="reset_mfa"),
    path("<id:user_id>/password/", views.set_password, name="set_password"),
]
