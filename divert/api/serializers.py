"""API representations."""

from __future__ import annotations

from rest_framework import serializers

from divert.people.models import Child


class ChildSerializer(serializers.ModelSerializer):
    """A child, as the API shows it."""

    class Meta:
        model = Child
        fields = [
            "id",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "gender",
            "ethnicity",
            "ethnic_group",
            "area_code",
            "school",
            "local_id",
            "police_id",
            "team",
            "worker",
        ]
        read_only_fields = fields
