"""Pages for performance officers: upload a police extract, preview its problems, confirm,
watch it run; the match review queue; the error file download."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from divert.accounts.models import Role
from divert.accounts.requests import SignedInRequest
from divert.audit.actions import record_event
from divert.core.access import SIGNED_IN, allow
from divert.core.errors import DomainError
from divert.core.files import private_folder, write_private_bytes
from divert.core.submissions import (
    ALREADY_RECORDED,
    already_recorded,
    earlier_submission,
    form_token,
    save_once,
)
from divert.imports import actions
from divert.imports.forms import ReviewForm, UploadForm
from divert.imports.models import ImportErrorFile, ImportRun, MatchReview
from divert.imports.tasks import check_upload, run_import
from divert.people.models import Child

PROBLEMS_SHOWN = 200


def _runs(user):
    return ImportRun.objects.filter(organisation_id=user.organisation_id)


@allow(Role.PERFORMANCE_OFFICER)
def upload(request: SignedInRequest) -> HttpResponse:
    """Upload a police extract. A background task checks every row; the problems are shown
    on the import's page, and nothing is written until the person confirms."""
    user = request.user
    organisation = user.organisation
    # Bound on every POST, even an empty one, so unanswered questions are errors.
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None, organisation=organisation)
    if posted and (earlier := earlier_submission(request)) is not None:
        return already_recorded(request, earlier)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload_file = data["file"]
        content = upload_file.read()
        today = timezone.localdate()

        def save() -> ImportRun:
            run = actions.start_run(
                by=user, organisation=organisation, source=data["source"], file_name=upload_file.name,
                data=content, complete_to=data["complete_to"], today=today, mapping=data["mapping"],
                valid_rows_only=data["on_problems"] == "valid_rows", status=ImportRun.Status.CHECKING,
            )
            folder = private_folder(actions.import_dir() / "uploads")
            stored = folder / f"{uuid.uuid4().hex}{Path(upload_file.name).suffix.lower()}"
            write_private_bytes(stored, content)
            run.stored_path = str(stored)
            run.stage = "Waiting to be checked"
            run.save(update_fields=["stored_path", "stage"])
            record_event(by=user, verb="uploaded_police_file", obj=run, organisation=organisation,
                         details={"bytes": len(content)})
            check_upload.enqueue(run.pk)
            return run

        try:
            first, url = save_once(request, save, lambda run: reverse("imports:run", args=[run.pk]))
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if not first:
                messages.info(request, ALREADY_RECORDED)
            return redirect(url)
    return render(request, "imports/upload.html", {
        "form": form, "form_token": form_token(request),
        "runs": _runs(user).select_related("source")[:20],
        "pending_reviews": MatchReview.objects.visible_to(user).pending().count(),
    })


@allow(Role.PERFORMANCE_OFFICER)
def run_detail(request: SignedInRequest, run_id: int) -> HttpResponse:
    """An import: its problems (the preview), its progress while it runs, and its summary."""
    run = get_object_or_404(_runs(request.user).select_related("source", "mapping"), pk=run_id)
    problems = [{"row": r, "column": c, "message": m, "level": level} for r, c, m, level in run.problems]
    error_file = ImportErrorFile.objects.filter(run=run).first()
    return render(request, "imports/run.html", {
        "run": run,
        "errors": [p for p in problems if p["level"] == "error"][:PROBLEMS_SHOWN],
        "notices": [p for p in problems if p["level"] != "error"][:PROBLEMS_SHOWN],
        "error_count": run.error_count,
        "in_progress": run.status in (ImportRun.Status.CHECKING, ImportRun.Status.QUEUED, ImportRun.Status.RUNNING),
        "error_file": error_file if error_file and error_file.may_download(request.user) else None,
    })


@allow(Role.PERFORMANCE_OFFICER)
@require_POST
def confirm(request: SignedInRequest, run_id: int) -> HttpResponse:
    """Confirm a checked upload: it runs as a background task."""
    run = get_object_or_404(_runs(request.user), pk=run_id)
    updated = _runs(request.user).filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.QUEUED, stage="Waiting to start"
    )
    if not updated:
        messages.info(request, "This import has already been confirmed or cannot be imported.")
        return redirect("imports:run", run_id=run.pk)
    record_event(by=request.user, verb="confirmed_police_import", obj=run, organisation=run.organisation_id)
    run_import.enqueue(run.pk)
    return redirect("imports:run", run_id=run.pk)


@allow(SIGNED_IN)
def download_errors(request: SignedInRequest, run_id: int) -> FileResponse:
    """The rejected rows: only for the uploader and the organisation's performance officers."""
    error_file = ImportErrorFile.objects.select_related("run").filter(run_id=run_id).first()
    if error_file is None or not error_file.may_download(request.user):
        raise Http404("Not found")
    path = Path(error_file.path)
    if not path.exists():
        raise Http404("Not found")
    record_event(by=request.user, verb="downloaded_import_errors", obj=error_file.run,
                 organisation=error_file.run.organisation_id,
                 details={"kind": "rejected rows", "rows": error_file.rows})
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"import-{run_id}-rejected-rows.csv",
                        content_type="text/csv")


@allow(Role.PERFORMANCE_OFFICER)
def review_list(request: SignedInRequest) -> HttpResponse:
    """People from police files who could not be matched with certainty."""
    reviews = MatchReview.objects.visible_to(request.user).pending().select_related("source")[:200]
    return render(request, "imports/reviews.html", {"reviews": reviews})


@allow(Role.PERFORMANCE_OFFICER)
def review_detail(request: SignedInRequest, review_id: int) -> HttpResponse:
    """Decide who a queued person is: one of the candidates, a new child, or not for this service."""
    review = get_object_or_404(MatchReview.objects.visible_to(request.user).select_related("source"), pk=review_id)
    scores = {c["child"]: c for c in review.candidates}
    children = Child.objects.visible_to(request.user).in_bulk(list(scores))
    candidates = [(children[pk], scores[pk]) for pk in scores if pk in children]
    labels = [
        (child, f"{child.full_name}, born {child.date_of_birth:%d/%m/%Y}"
                f"{', ' + child.local_id if child.local_id else ''} (score {info['score']:.2f}: {info['why']})")
        for child, info in candidates
    ]
    # Candidates are children's details: the look is audited like any list of children.
    record_event(by=request.user, verb="listed_children",
                 details={"page": "match_review", "review": review.pk, "candidates": len(candidates)})
    form = ReviewForm(request.POST if request.method == "POST" else None, candidates=labels)
    if request.method == "POST" and review.decision == MatchReview.Decision.PENDING and form.is_valid():
        choice = form.cleaned_data["decision"]
        child = None
        decision = choice
        if choice.startswith("child:"):
            decision = MatchReview.Decision.MATCHED
            child = children.get(int(choice.split(":", 1)[1]))
        try:
            decided = actions.resolve_match_review(by=request.user, review=review, decision=decision, child=child,
                                                   today=timezone.localdate())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Decision recorded.")
            for notice in decided.notices:
                messages.info(request, notice)
            return redirect("imports:reviews")
    person = dict(review.rows[0]["data"]) if review.rows else {}
    if person.get("date_of_birth"):
        person["date_of_birth"] = dt.date.fromisoformat(person["date_of_birth"])
    return render(request, "imports/review.html", {"review": review, "form": form, "candidates": candidates,
                                                   "person": person})
