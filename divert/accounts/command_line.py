"""What every command that takes `--org` shares: finding organisations by slug.

An unknown slug is refused with the list of valid ones, so an operator can pick one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import CommandError

from divert.accounts.models import Organisation


def valid_slugs() -> str:
    """Every organisation's slug, for an error message."""
    slugs = sorted(Organisation.objects.values_list("slug", flat=True))
    return ", ".join(slugs) if slugs else "none yet (create one with `divert org create`)"


def organisations_by_slug(slugs: Iterable[str]) -> list[Organisation]:
    """The organisations with these slugs, in the order given, or a CommandError naming the valid ones."""
    slugs = list(dict.fromkeys(slugs))
    found = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise CommandError(
            f"No organisation with slug {', '.join(repr(s) for s in missing)}. Valid slugs: {valid_slugs()}."
        )
    return [found[s] for s in slugs]


def organisation_by_slug(slug: str) -> Organisation:
    """The organisation with this slug, or a CommandError naming the valid ones."""
    return organisations_by_slug([slug])[0]
