"""Routes for the reports app."""

from django.urls import path

from divert.reports import publishing_views, quality_views, views

app_name = "reports"

urlpatterns: list = [
    path("data-quality/", quality_views.data_quality, name="quality"),
    path("data-quality/children/", quality_views.data_quality_children, name="quality_children"),
    path("pack/", views.pack, name="pack"),
    path("pack/narratives/", publishing_views.narratives, name="narratives"),
    path("pack/narratives/<slug:section>/", publishing_views.narrative_edit, name="narrative"),
    path("pack/narratives/<slug:section>/approve/", publishing_views.narrative_approve, name="narrative_approve"),
    path("pack/publish/", publishing_views.publish, name="publish"),
    path("pack/files/", publishing_views.files, name="files"),
    path("pack/files/<id:file_id>/", publishing_views.download, name="download"),
    path("pack/schedule/", publishing_views.schedule, name="schedule"),
]
