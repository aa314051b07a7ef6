"""API views: scoped, permission-checked and audited exactly like the pages."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets

from divert.accounts.models import CHILD_ROLES
from divert.api.serializers import ChildSerializer
from divert.audit.actions import record_event
from divert.core.access import SIGNED_IN, get_visible_or_404
from divert.people.models import Child


class ChildViewSet(viewsets.ReadOnlyModelViewSet):
    """Children the caller may see."""

    allowed_roles = tuple(CHILD_ROLES)
    serializer_class = ChildSerializer

    def get_queryset(self):
        """Start every query from the user."""
        return Child.objects.visible_to(self.request.user).order_by("id")

    def get_object(self):
        """One child in scope, or 404; the look is audited."""
        child = get_visible_or_404(self.get_queryset(), self.request.user, pk=self.kwargs["pk"])
        record_event(by=self.request.user, verb="viewed_child", obj=child, child=child,
                     details={"via": "api"})
        return child

    def list(self, request, *args, **kwargs):
        """List children; the listing itself is audited once."""
        response = super().list(request, *args, **kwargs)
        record_event(by=request.user, verb="listed_children", details={"via": "api"})
        return response


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (for signed-in users and token holders)."""

    allowed_roles = (SIGNED_IN,)
