"""Routes for reference data pages (included under /kpis/reference/)."""

from django.urls import path

from divert.reference import views

app_name = "reference"

urlpatterns = [
    path("population/", views.population, name="population"),
    path("population/add/", views.population_add, name="population_add"),
    path("population/import/", views.population_import, name="population_import"),
    path("population/<int:year>/", views.population_year, name="population_year"),
    path("population/cells/<id:cell_id>/", views.population_edit, name="population_edit"),
    path("offences/", views.offence_types, name="offence_types"),
    path("offences/add/", views.offence_type_add, name="offence_type_add"),
    path("offences/import/", views.offence_types_import, name="offence_types_import"),
    path("offences/<id:offence_type_id>/", views.offence_type_edit, name="offence_type_edit"),
    path("board-meetings/", views.board_meetings, name="board_meetings"),
    path("board-meetings/add/", views.board_meeting_add, name="board_meeting_add"),
    path("board-meetings/<id:meeting_id>/", views.board_meeting_edit, name="board_meeting_edit"),
]
