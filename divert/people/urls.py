"""Routes for the child's pages (the record itself is web:child_detail)."""

from django.urls import path

from divert.people import views

app_name = "people"

urlpatterns = [
    path("children/", views.child_list, name="child_list"),
    path("children/find/", views.find_or_add_child, name="find_child"),
    path("children/new/", views.new_child, name="new_child"),
    path("children/<id:child_id>/audit/", views.child_audit, name="child_audit"),
    path("children/<id:child_id>/restrict-access/", views.restrict_access, name="restrict_access"),
    path("record-restrictions/<id:restriction_id>/lift/", views.lift_restriction, name="lift_restriction"),
    path("children/<id:child_id>/restrict-processing/", views.restrict_processing, name="restrict_processing"),
    path("children/held/", views.duplicate_attempts, name="duplicate_attempts"),
    path("children/held/<id:attempt_id>/", views.resolve_attempt, name="resolve_attempt"),
]
