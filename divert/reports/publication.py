"""Which pack a page or a file shows: the published (frozen) pack, or a working copy.

A published pack is recomputed from its publication alone: the figures as known on the
moment it was published (for a board, as at and as known on the quarter's publication
day, which has passed by then), the narratives' text as published, and that moment as
the pack's own time. So it comes out the same, byte for byte, whatever is recorded later.

A working copy (service managers and performance officers) shows the narratives as they
stand, each marked draft or approved; board members and commissioners only ever see the
published text.
"""

from __future__ import annotations

import hashlib

from divert.kpis.periods import parse_period
from divert.reports.models import Narrative, PackFile, Publication
from divert.reports.pack import build_pack
from divert.reports.sections import SECTION_TITLES


def digest(data: bytes) -> str:
    """The SHA-256 of a file, as hex."""
    return hashlib.sha256(data).hexdigest()


def _scope(organisation, programme) -> dict:
    if programme is not None:
        return {"programmes": [programme]}
    return {"organisations": [organisation]}


def with_narratives(pack: dict, narratives: dict[str, dict]) -> dict:
    """The pack with each section's narrative ({text, status}) added (a copy)."""
    sections = [{**s, "narrative": narratives.get(s["key"])} for s in pack["sections"]]
    summary = {**pack["summary"], "narrative": narratives.get("summary")}
    return {**pack, "summary": summary, "sections": sections}


def working_narratives(*, organisation, period: str, programme=None) -> dict[str, dict]:
    """The pack's narratives as they stand, by section: {text, status}."""
    found = Narrative.objects.of_pack(organisation=organisation, period=period, programme=programme)
    return {n.section: {"text": n.text, "status": n.status} for n in found if n.section in SECTION_TITLES}


def published_narratives(publication: Publication) -> dict[str, dict]:
    """The narratives' text as published, by section."""
    return {k: {"text": text, "status": Narrative.Status.PUBLISHED} for k, text in publication.narratives.items()}


def published_pack(publication: Publication) -> dict:
    """The published pack, recomputed from what its publication froze."""
    pack = build_pack(**_scope(publication.organisation, publication.programme),
                      quarter=parse_period(publication.period), as_known_on=publication.known_on,
                      suppress=True, now=publication.known_on)
    pack = with_narratives(pack, published_narratives(publication))
    pack["published"] = {"at": publication.published_at.isoformat()}
    return pack


def working_pack(*, organisation, period: str, programme=None, suppressed: bool, known_on=None, now) -> dict:
    """A pack as it stands: unsuppressed copies carry the narratives as drafted or approved."""
    pack = build_pack(**_scope(organisation, programme), quarter=parse_period(period), as_known_on=known_on,
                      suppress=suppressed, now=now)
    if not suppressed:
        pack = with_narratives(pack, working_narratives(organisation=organisation, period=period,
                                                        programme=programme))
    return pack


def single_pack(organisations, programmes) -> tuple:
    """(organisation, programme or None) when the choice is one pack that can have narratives
    and be published (a whole service, or one programme); else (None, None)."""
    if len(programmes) == 1:
        return programmes[0].organisation, programmes[0]
    if len(organisations) == 1 and not programmes:
        return organisations[0], None
    return None, None


def page_narratives(*, organisation, programme, quarter: str, working: bool) -> tuple[dict, Publication | None]:
    """The narratives the pack page shows and the pack's publication: the published text once
    published; before that, the narratives as they stand for managers (`working`), none for
    anyone else."""
    publication = Publication.objects.of_pack(organisation=organisation, period=quarter, programme=programme).first()
    if publication is not None:
        return published_narratives(publication), publication
    if working:
        return working_narratives(organisation=organisation, period=quarter, programme=programme), None
    return {}, None


def pack_of_file(file: PackFile) -> dict:
    """The pack a generated file is made from."""
    if file.publication_id:
        return published_pack(file.publication)
    return working_pack(organisation=file.organisation, period=file.period, programme=file.programme,
                        suppressed=file.suppressed, known_on=file.known_on, now=file.requested_at)
