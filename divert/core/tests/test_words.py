"""Dates and codes in words, the fast way long pages use, give what Django's own way gives."""

import datetime as dt
import zoneinfo

import pytest
from django.db import models
from django.template import Context, Template
from django.utils import timezone

from divert.casework.codes import Topic
from divert.casework.models import Session
from divert.core.labels import labels_of


@pytest.mark.parametrize("value", [
    dt.date(2026, 1, 2), dt.date(2026, 9, 30), dt.date(1999, 12, 31),
    dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC),  # 00:30 on 1 July in London
    dt.datetime(2026, 1, 5, 9, 5, tzinfo=zoneinfo.ZoneInfo("Europe/London")), None, "",
])
def test_date_filters_match_djangos_date_filter(value):
    ours = Template("{{ d|short_date }}|{{ d|long_date }}|{% if d.hour is not None %}{{ d|short_date_time }}{% endif %}")
    django = Template('{{ d|date:"j M Y" }}|{{ d|date:"j F Y" }}|{% if d.hour is not None %}{{ d|date:"j M Y, H:i" }}{% endif %}')
    with timezone.override("Europe/London"):
        assert ours.render(Context({"d": value})) == django.render(Context({"d": value}))


@pytest.mark.parametrize("field,codes", [
    ("type", ["one_to_one", "family", "unknown-code", ""]),
    ("attendance", ["attended", "dna"]),
    ("place", ["youth_centre", ""]),
])
def test_coded_fields_in_words_as_django_gives_them(field, codes):
    for code in codes:
        session = Session(**{field: code})
        ours = getattr(session, f"get_{field}_display")()
        django = models.Model._get_FIELD_display(session, Session._meta.get_field(field))
        assert ours == django


def test_labels_of_a_list_of_codes():
    assert labels_of(Topic, ["emotions", "made-up"]) == [dict(Topic.choices)["emotions"], "made-up"]
