"""Routes for the imports app."""

app_name = "imports"

urlpatterns: list = []
