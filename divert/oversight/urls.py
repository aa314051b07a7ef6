"""Routes for management oversight and case audits."""

from django.urls import path

from divert.oversight import views

app_name = "oversight"

urlpatterns = [
    path("children/<id:child_id>/new/", views.record_oversight, name="record"),
    path("children/<id:child_id>/choose/", views.choose_case, name="choose_case"),
    path("audits/", views.audits, name="audits"),
    path("audits/choose/", views.choose_cases, name="choose_cases"),
    path("audits/<id:audit_id>/", views.audit, name="audit"),
    path("audits/<id:audit_id>/start/", views.start_audit, name="start_audit"),
    path("audits/<id:audit_id>/record/", views.record_audit, name="record_audit"),
    path("actions/<id:action_id>/done/", views.action_done, name="action_done"),
    path("template/", views.audit_template, name="template"),
]
