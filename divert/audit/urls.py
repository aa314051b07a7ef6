"""Routes for the audit trail pages."""

app_name = "audit"

urlpatterns: list = []
