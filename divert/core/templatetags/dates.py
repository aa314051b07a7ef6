"""Dates as pages show them, fast: "2 Dec 2026", "2 December 2026", "2 Dec 2026, 14:05".

The same words as Django's `date` filter with "j M Y", "j F Y" and "j M Y, H:i" (English, the
only language Divert speaks), for long pages: Django's filter parses its format on every call,
which cost the child record of a long history a fifth of its time. Loaded in every template
(settings.TEMPLATES builtins)."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()

MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@register.filter(expects_localtime=True)
def short_date(value: dt.date | None) -> str:
    """'2 Dec 2026' (a datetime in local time); blank for no date."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month][:3]} {value.year}"


@register.filter(expects_localtime=True)
def long_date(value: dt.date | None) -> str:
    """'2 December 2026' (a datetime in local time); blank for no date."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month]} {value.year}"


@register.filter(expects_localtime=True)
def short_date_time(value: dt.datetime | None) -> str:
    """'2 Dec 2026, 14:05' in local time; blank for no date."""
    if not value:
        return ""
    return f"{value.day} {MONTHS[value.month][:3]} {value.year}, {value.hour:02d}:{value.minute:02d}"
