"""Routes for the kpis app (reference data pages under reference/)."""

from django.urls import include, path

from divert.kpis import views

app_name = "kpis"

urlpatterns: list = [
    path("", views.report, name="report"),
    # Measure settings, beside the reference data pages under /kpis/reference/.
    path("reference/comparators/", views.comparators, name="comparators"),
    path("reference/comparators/add/", views.comparator_add, name="comparator_add"),
    path("reference/comparators/<id:figure_id>/", views.comparator_edit, name="comparator_edit"),
    path("reference/rag-thresholds/", views.rag_thresholds, name="rag_thresholds"),
    path("reference/rag-thresholds/set/", views.rag_threshold_edit, name="rag_threshold_edit"),
    path("reference/", include("divert.reference.urls")),
]
