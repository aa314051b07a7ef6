"""Routes for the kpis app."""

app_name = "kpis"

urlpatterns: list = []
