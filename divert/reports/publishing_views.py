"""The pack's narratives, its publication, its files (PDF, spreadsheet, print page) and schedule.

Service managers write and approve each section's narrative; they and performance
officers publish the pack, ask for its files (working copies, unsuppressed or as the board
would see them) and set the quarterly schedule. Board members and commissioners see only
published packs: they can download the published files, and ask for one to be made again
(it comes out byte for byte the same).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from divert.accounts.models import Programme, Role
from divert.accounts.requests import SignedInRequest
from divert.audit.actions import record_event
from divert.core.access import allow
from divert.core.errors import DomainError
from divert.core.forms import GovForm
from divert.core.submissions import ALREADY_RECORDED, earlier_submission, form_token, save_once
from divert.kpis.periods import (
    Period,
    financial_quarter_containing,
    is_published,
    latest_published_quarter,
)
from divert.reports import actions
from divert.reports.models import NARRATIVE_MAX_LENGTH, Format, Narrative, PackFile, PackSchedule
from divert.reports.outputs import CONTENT_TYPES
from divert.reports.publication import working_narratives
from divert.reports.sections import SECTION_TITLES

MANAGERS = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
FILE_ROLES = (*MANAGERS, Role.BOARD_MEMBER, Role.COMMISSIONER)
FILES_SHOWN = 20


class Pack:
    """The pack a page is about: organisation, quarter and (for a programme's pack) programme."""

    def __init__(self, organisation, quarter: Period, programme=None) -> None:
        self.organisation = organisation
        self.quarter = quarter
        self.programme = programme

    @property
    def query(self) -> str:
        """The address's query for this pack (as the pack page takes it)."""
        return f"?quarter={self.quarter.cli}" + (f"&programme={self.programme.pk}" if self.programme else "")

    @property
    def label(self) -> str:
        """The pack in words."""
        who = f"{self.programme.name}, {self.organisation.name}" if self.programme else self.organisation.name
        return f"{who}, {self.quarter.label}"

    def url(self, name: str, *args) -> str:
        """A page of this pack."""
        return reverse(name, args=args) + self.query


def _quarter(value: str, user) -> Period:
    """The quarter asked for (404 for anything else): restricted audiences, published quarters only."""
    today = timezone.localdate()
    restricted = not user.has_any_role(MANAGERS)
    default = latest_published_quarter(today) if restricted else financial_quarter_containing(today).previous()
    if not value:
        return default
    try:
        quarter = actions.quarter(value)
    except DomainError:
        raise Http404("Not found") from None
    if restricted and not is_published(quarter, today):
        raise Http404("Not found")
    return quarter


def _programme(value: str, user):
    """The programme asked for, within the user's scope (404 otherwise), or None for the whole service."""
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404("Not found")
    if user.organisation_id and user.has_any_role(MANAGERS):
        programmes = Programme.objects.filter(organisation_id=user.organisation_id)
    elif user.commissioner_id and user.has_any_role((Role.COMMISSIONER,)):
        programmes = Programme.objects.filter(funded_by=user.commissioner_id)
    else:
        raise Http404("Not found")
    return get_object_or_404(programmes.select_related("organisation"), pk=int(value))


def _pack(request: SignedInRequest) -> Pack:
    """The pack the address names, within the user's scope (404 for anything else)."""
    user = request.user
    # Forms post to the page's own address, so the pack is always named in the query.
    quarter = _quarter(request.GET.get("quarter", ""), user)
    programme = _programme(request.GET.get("programme", ""), user)
    if programme is not None:
        return Pack(programme.organisation, quarter, programme)
    if user.organisation_id and user.has_any_role((*MANAGERS, Role.BOARD_MEMBER)):
        return Pack(user.organisation, quarter)
    raise Http404("Not found")  # a commissioner's packs are each programme's


# ---- Narratives and publishing (managers) ----------------------------------------------


@allow(*MANAGERS)
def narratives(request: SignedInRequest) -> HttpResponse:
    """Each section's narrative with where it has got to, and publishing the pack."""
    pack = _pack(request)
    publication = actions.publication_of(organisation=pack.organisation, period=pack.quarter,
                                         programme=pack.programme)
    found = {n.section: n for n in Narrative.objects.of_pack(organisation=pack.organisation, period=pack.quarter.cli,
                                                              programme=pack.programme)}
    rows = [{"key": key, "title": title, "narrative": found.get(key)} for key, title in SECTION_TITLES.items()]
    return render(request, "reports/narratives.html", {
        "pack": pack, "rows": rows, "publication": publication,
        "drafts": [r["title"] for r in rows if r["narrative"] and r["narrative"].status == Narrative.Status.DRAFT],
        "may_write": request.user.has_any_role(actions.WRITERS),
    })


class NarrativeForm(GovForm):
    """What the section shows and what the service is doing about it."""

    text = forms.CharField(
        label="What this shows, what we are doing", widget=forms.Textarea(attrs={"rows": 10}),
        help_text=f"Plain text, up to {NARRATIVE_MAX_LENGTH:,} characters. Board members and commissioners see it "
                  "once the pack is published. Do not name or describe a child.",
        error_messages={"required": "Enter what this section shows and what the service is doing about it."},
    )


def _section(section: str) -> str:
    if section not in SECTION_TITLES:
        raise Http404("Not found")
    return section


@allow(Role.SERVICE_MANAGER)
def narrative_edit(request: SignedInRequest, section: str) -> HttpResponse:
    """Write or change one section's narrative (saved as a draft)."""
    pack = _pack(request)
    section = _section(section)
    current = working_narratives(organisation=pack.organisation, period=pack.quarter.cli,
                                 programme=pack.programme).get(section)
    back = pack.url("reports:narratives")
    if request.method == "POST":
        earlier = earlier_submission(request)
        if earlier is not None:
            messages.info(request, ALREADY_RECORDED)
            return redirect(back)
        form = NarrativeForm(request.POST)
        if form.is_valid():
            try:
                save_once(request, lambda: actions.write_narrative(
                    by=request.user, organisation=pack.organisation, period=pack.quarter, section=section,
                    text=form.cleaned_data["text"], programme=pack.programme, now=timezone.now()),
                    lambda _: back)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Narrative for {SECTION_TITLES[section]} saved as a draft.")
                return redirect(back)
    else:
        form = NarrativeForm(initial={"text": current["text"]} if current else None)
    return render(request, "web/form_page.html", {
        "form": form, "form_token": form_token(request), "heading": SECTION_TITLES[section],
        "caption": f"Board pack narrative: {pack.label}", "back_url": back, "submit_label": "Save as draft",
    })


@allow(Role.SERVICE_MANAGER)
@require_POST
def narrative_approve(request: SignedInRequest, section: str) -> HttpResponse:
    """Approve a section's draft narrative."""
    pack = _pack(request)
    narrative = get_object_or_404(Narrative.objects.of_pack(organisation=pack.organisation, period=pack.quarter.cli,
                                                            programme=pack.programme), section=_section(section))
    try:
        actions.approve_narrative(by=request.user, narrative=narrative, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Narrative for {SECTION_TITLES[narrative.section]} approved.")
    return redirect(pack.url("reports:narratives"))


@allow(*MANAGERS)
@require_POST
def publish(request: SignedInRequest) -> HttpResponse:
    """Publish the pack: its figures and narratives are frozen and its files are made."""
    pack = _pack(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Confirm that the pack is ready to publish.")
        return redirect(pack.url("reports:narratives"))
    try:
        actions.publish_pack(by=request.user, organisation=pack.organisation, period=pack.quarter,
                             programme=pack.programme, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(pack.url("reports:narratives"))
    messages.success(request, f"The pack for {pack.label} is published. Its PDF and spreadsheet are being made.")
    return redirect(pack.url("reports:files"))


# ---- Files -------------------------------------------------------------------------------


def _files(request: SignedInRequest, pack: Pack):
    return PackFile.objects.visible_to(request.user).of_pack(
        organisation=pack.organisation, period=pack.quarter.cli, programme=pack.programme,
    ).select_related("organisation", "programme").defer("content")


KINDS = {
    "published": "The published pack (as the board sees it)",
    "working": "A working copy with every figure (not suppressed), narratives as they stand",
    "suppressed": "A working copy as the board would see it (small numbers suppressed)",
}


@allow(*FILE_ROLES)
def files(request: SignedInRequest) -> HttpResponse:
    """The pack's files with their progress, and asking for one to be made."""
    pack = _pack(request)
    user = request.user
    publication = actions.publication_of(organisation=pack.organisation, period=pack.quarter,
                                         programme=pack.programme)
    manager = user.has_any_role(MANAGERS)
    kinds = {k: v for k, v in KINDS.items() if manager or k == "published"}
    if publication is None:
        kinds.pop("published", None)
    error = None
    if request.method == "POST":
        error = _request_files(request, pack, publication, kinds)
        if error is None:
            return redirect(pack.url("reports:files"))
    shown = list(_files(request, pack)[:FILES_SHOWN])
    return render(request, "reports/files.html", {
        "pack": pack, "publication": publication, "files": shown, "kinds": kinds, "error": error,
        "formats": Format.choices, "in_progress": any(f.in_progress for f in shown), "manager": manager,
        "form_token": form_token(request),
        "schedule": PackSchedule.objects.filter(organisation=pack.organisation).first() if manager else None,
    })


def _request_files(request: SignedInRequest, pack: Pack, publication, kinds: dict) -> str | None:
    """Queue the files asked for; an error message for the page, or None."""
    kind = request.POST.get("kind", "")
    formats = [f for f in request.POST.getlist("formats") if f in Format.values]
    if kind not in kinds:
        return "Choose which pack to make." if kinds else "The pack has not been published yet."
    if not formats:
        return "Choose at least one format."
    if earlier_submission(request) is not None:
        messages.info(request, ALREADY_RECORDED)
        return None
    try:
        save_once(request, lambda: actions.request_pack_files(
            by=request.user, organisation=pack.organisation, period=pack.quarter, programme=pack.programme,
            formats=formats, suppressed=kind != "working", now=timezone.now(),
            publication=publication if kind == "published" else None,
        ), lambda _: pack.url("reports:files"))
    except DomainError as error:
        return error.message
    messages.success(request, "Your files are being made. This page shows when they are ready.")
    return None


@allow(*FILE_ROLES)
def download(request: SignedInRequest, file_id: int) -> HttpResponse:
    """A ready file, as a download (audited)."""
    file = get_object_or_404(PackFile.objects.visible_to(request.user).select_related("organisation", "programme"),
                             pk=file_id, status=PackFile.Status.READY)
    record_event(by=request.user, verb="downloaded_pack_file", obj=file, organisation=file.organisation_id,
                 details={"period": file.period, "format": file.format, "suppressed": file.suppressed,
                          "publication": file.publication_id})
    response = HttpResponse(bytes(file.content), content_type=CONTENT_TYPES[file.format])
    response["Content-Disposition"] = f'attachment; filename="{file.file_name}"'
    return response


@allow(*MANAGERS)
@require_POST
def schedule(request: SignedInRequest) -> HttpResponse:
    """Make (or stop making) the organisation's pack files each quarter."""
    pack = _pack(request)
    formats = [f for f in request.POST.getlist("formats") if f in actions.SCHEDULED_FORMATS]
    try:
        actions.set_pack_schedule(by=request.user, organisation=pack.organisation, formats=formats)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The pack will be made each quarter." if formats
                         else "The pack will no longer be made each quarter.")
    return redirect(pack.url("reports:files"))
