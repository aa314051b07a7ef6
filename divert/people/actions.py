"""Named actions for children: create (with the duplicate checks), correct details (with history),
allocate, merge, restrict; new children held for a manager and the manager's decision."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES, ORGANISATION_ROLES, Role, User
from divert.audit.actions import record_event
from divert.core.dates import add_years
from divert.core.errors import DomainError, check_choice
from divert.people import models as m
from divert.people.codes import Ethnicity, Sex
from divert.people.models import (
    CORRECTABLE_FIELDS,
    Allocation,
    AllocationKind,
    AttemptReason,
    AttemptResolution,
    Child,
    DetailChange,
    DuplicateAttempt,
    ProcessingRestriction,
    RecordRestriction,
    detail_text,
)

EDITABLE_FIELDS = set(CORRECTABLE_FIELDS)


# The answer when a new child matches a record outside the person's scope (another team's,
# restricted from them, or holding the local ID entered): the same words whatever the reason,
# so nobody learns from it which record exists, whose it is or whether it is restricted.
NEUTRAL_REFUSAL = ("This child cannot be recorded from your account. "
                   "Check with your manager before recording them.")
NO_TEAM = ("You are not in a team, so the child would not be on anyone's caseload. "
           "Ask your administrator to add you to a team.")


class PossibleDuplicates(DomainError):
    """Children the person can see with the same name and date of birth: confirm it is a
    different child (or use one of them) before recording."""

    def __init__(self, children: list[Child]):
        super().__init__("A child with the same name and date of birth is already recorded. Use that record, "
                         "or confirm that this is a different child.", field="confirm_not_duplicate")
        self.children = children


def _check_local_id(organisation_id: int, local_id: str, exclude_pk=None, by=None) -> None:
    if not local_id:
        return
    clash = Child.objects.filter(organisation_id=organisation_id, local_id__iexact=local_id)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if not clash.exists():
        return
    if getattr(by, "pk", None) and not Child.objects.visible_to(by).filter(pk__in=clash.values("pk")).exists():
        # The same neutral words whether the record is another team's or restricted from this
        # person, so nobody learns from this check that a record restricted from them exists.
        raise DomainError("That local ID cannot be used. Check with your manager before recording this child.",
                          field="local_id")
    raise DomainError("That local ID is already used for another record. Check it, or find that record "
                      "and ask a manager to merge them if they are the same child.", field="local_id")


def _check_date_of_birth(date_of_birth: dt.date, today: dt.date) -> None:
    if date_of_birth > today:
        raise DomainError("Date of birth must be in the past.", field="date_of_birth")
    if date_of_birth < add_years(today, -30):
        raise DomainError("Date of birth is more than 30 years ago: check the year.", field="date_of_birth")


def _check_codes(details: dict) -> None:
    if "sex" in details:
        check_choice(details["sex"], Sex.values, "Choose the child's sex from the list.", field="sex")
    if "ethnicity" in details:
        check_choice(details["ethnicity"], Ethnicity.values, "Choose the child's ethnicity from the list.",
                     field="ethnicity")


def same_details(organisation_id: int, *, first_name: str, last_name: str, date_of_birth: dt.date):
    """Children of the organisation with this name and date of birth (first or preferred name).

    Children known only from police data are left out: a worker must not learn from a
    duplicate check whether the police know a child (police imports match them instead).
    """
    return (
        Child.objects.current()
        .filter(organisation_id=organisation_id, merged_into__isnull=True, police_only=False,
                date_of_birth=date_of_birth, last_name__iexact=last_name)
        .filter(Q(first_name__iexact=first_name) | Q(preferred_name__iexact=first_name))
        .order_by("pk")
    )


def _recording_team(by, team):
    """The team a child recorded by this person joins: the one given, else their own."""
    team = team or by.teams.order_by("pk").first()
    if team is None and not by.has_any_role(ORGANISATION_ROLES):
        raise DomainError(NO_TEAM)
    return team


@transaction.atomic
def _check_duplicates(*, by, organisation, team, details: dict) -> tuple[list[Child], bool]:
    """The children in the person's scope with the same details, and whether a match outside
    their scope was held for a manager instead (committed, so the attempt stays although the
    caller then refuses to record the child)."""
    matches = list(same_details(organisation.pk, first_name=details["first_name"], last_name=details["last_name"],
                                date_of_birth=details["date_of_birth"]))
    visible = set(Child.objects.visible_to(by).filter(pk__in=[c.pk for c in matches]).values_list("pk", flat=True))
    outside = [c for c in matches if c.pk not in visible]
    reason = AttemptReason.SAME_DETAILS
    if not outside and details.get("local_id"):
        outside = list(Child.objects.filter(organisation_id=organisation.pk, local_id__iexact=details["local_id"])
                       .exclude(pk__in=Child.objects.visible_to(by).values("pk")))
        reason = AttemptReason.LOCAL_ID
    record_event(by=by, verb="checked_duplicates", details={"matches": len(matches)})
    if outside:
        hold_for_manager(by=by, organisation=organisation, team=team, matched=outside[0], reason=reason,
                         details=details)
        return [], True
    return [c for c in matches if c.pk in visible], False


def create_child(*, by, organisation, today: dt.date | None = None, team=None, worker=None,
                 police_only: bool = False, batch=None, confirmed_not_duplicate: bool = False,
                 **details) -> Child:
    """Record a new child in an organisation.

    Recorded by a person (not an import or the generator), the child joins that person's
    team (a person with no team and no organisation-wide role is refused), and the duplicate
    checks run here, so the pages, the API and anything else give the same answers: a child
    with the same name and date of birth that the person can see raises `PossibleDuplicates`
    until they confirm it is a different child; a match outside their scope (by name and date
    of birth, or the local ID) is held for their manager (`DuplicateAttempt`) and refused in
    neutral words. The held attempt is committed before the refusal is raised.
    """
    unknown = set(details) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown child fields: {sorted(unknown)}")
    _check_date_of_birth(details["date_of_birth"], today or dt.date.today())
    _check_codes(details)
    if getattr(by, "pk", None) and batch is None and not police_only:
        team = _recording_team(by, team)
        if by.organisation_id != organisation.pk:
            raise DomainError("You can only record children in your own organisation.")
        in_scope, held = _check_duplicates(by=by, organisation=organisation, team=team, details=details)
        if held:
            raise DomainError(NEUTRAL_REFUSAL)
        if in_scope and not confirmed_not_duplicate:
            raise PossibleDuplicates(in_scope)
    return _save_child(by=by, organisation=organisation, today=today, team=team, worker=worker,
                       police_only=police_only, batch=batch, **details)


@transaction.atomic
def _save_child(*, by, organisation, today, team, worker, police_only, batch, **details) -> Child:
    _check_local_id(organisation.pk, details.get("local_id", ""), by=by)
    if team is not None and team.organisation_id != organisation.pk:
        raise DomainError("The team must belong to the child's organisation.")
    if worker is not None and worker.organisation_id != organisation.pk:
        raise DomainError("The worker must belong to the child's organisation.")
    child = Child(
        organisation=organisation, team=team, worker=worker, police_only=police_only,
        recorded_by=by if getattr(by, "pk", None) else None, batch=batch, **details,
    )
    child.full_clean(exclude=["team", "worker", "organisation", "recorded_by", "batch"])
    child.save()
    record_event(by=by, verb="created_child", obj=child, child=child, batch=batch)
    return child


# ---- New children held for a manager ---------------------------------------------------

def _team_managers_can_see(team, child: Child) -> bool:
    managers = User.objects.filter(teams=team, is_active=True, role_grants__role=Role.TEAM_MANAGER).distinct()
    return any(Child.objects.visible_to(m).filter(pk=child.pk).exists() for m in managers)


@transaction.atomic
def hold_for_manager(*, by, organisation, team, matched: Child, reason: str, details: dict) -> DuplicateAttempt:
    """Keep an attempt to record a child who matched a record outside the person's scope, for
    a manager who can see that record: the team's managers, else the service managers."""
    check_choice(reason, AttemptReason.values, "Unknown reason for holding a new child.", field="reason")
    attempt = DuplicateAttempt.objects.create(
        organisation=organisation, attempted_by=by, team=team, reason=reason, matched=matched,
        for_service_manager=team is None or not _team_managers_can_see(team, matched),
        details=json.dumps(details, cls=DjangoJSONEncoder, sort_keys=True),
    )
    # Ids only: the details entered are personal data and stay encrypted on the attempt.
    record_event(by=by, verb="held_new_child", obj=attempt, child=matched,
                 details={"reason": reason, "team": getattr(team, "pk", None),
                          "for_service_manager": attempt.for_service_manager})
    return attempt


@transaction.atomic
def resolve_duplicate_attempt(*, by, attempt: DuplicateAttempt, resolution: str, note: str = "",
                              today: dt.date | None = None) -> DuplicateAttempt:
    """A manager decides a held attempt: the same child (allocate the record to the worker's
    team and the worker, or leave it where it is) or a different child (recorded as new, in
    the worker's team; a local ID that belongs to the other record is left off)."""
    attempt = DuplicateAttempt.objects.select_for_update().get(pk=attempt.pk)
    if not DuplicateAttempt.objects.for_manager(by).filter(pk=attempt.pk).exists():
        raise DomainError("Only a manager who can see the matching record can decide this.")
    if attempt.resolved_at is not None:
        raise DomainError("This has already been decided.")
    check_choice(resolution, AttemptResolution.values, "Choose what to do from the list.", field="resolution")
    worker = attempt.attempted_by
    team = attempt.team or worker.teams.order_by("pk").first()
    child = attempt.matched
    if resolution == AttemptResolution.ALLOCATED:
        if team is None:
            raise DomainError("The person who tried to record this child is not in a team. "
                              "Allocate the record from its page instead.", field="resolution")
        # The manager's decision is the reason for moving the record (their note, if any).
        allocate_child(by=by, child=child, team=team,
                       worker=worker if worker.teams.filter(pk=team.pk).exists() else None,
                       reason=(note or "").strip() or AttemptResolution.ALLOCATED.label)
    elif resolution == AttemptResolution.RECORDED_NEW:
        details = attempt.entered
        details["date_of_birth"] = dt.date.fromisoformat(details["date_of_birth"])
        if attempt.reason == AttemptReason.LOCAL_ID:
            details["local_id"] = ""
        child = create_child(by=by, organisation=attempt.organisation, today=today, team=team,
                             confirmed_not_duplicate=True, **details)
    attempt.resolved_at, attempt.resolved_by = timezone.now(), by
    attempt.resolution, attempt.note, attempt.child = resolution, (note or "").strip(), child
    attempt.save(update_fields=["resolved_at", "resolved_by", "resolution", "note", "child"])
    record_event(by=by, verb="resolved_duplicate_attempt", obj=attempt, child=child,
                 details={"resolution": resolution, "matched": attempt.matched_id, "child": child.pk})
    return attempt


@transaction.atomic
def update_child_details(*, by, child: Child, today: dt.date | None = None, reason: str = "",
                         batch=None, after_change: Sequence[Callable[..., object]] = (), **changes) -> Child:
    """Correct a child's recorded details (rectification).

    Each changed field is kept in the rectification history with its old and new values
    (encrypted), the reason, who and when; the audit event names the fields only.
    `after_change` are the steps of apps above people that follow a correction (re-checking
    open referrals), each called as step(by=, child=) in the same transaction when something
    changed; `referrals.actions.correct_child_details` names them.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Unknown child fields: {sorted(unknown)}")
    if "date_of_birth" in changes:
        _check_date_of_birth(changes["date_of_birth"], today or dt.date.today())
    _check_codes(changes)
    if "local_id" in changes:
        _check_local_id(child.organisation_id, changes["local_id"], exclude_pk=child.pk, by=by)
    changed = [f for f, v in changes.items() if getattr(child, f) != v]
    old = {f: getattr(child, f) for f in changed}
    for field in changed:
        setattr(child, field, changes[field])
    if changed:
        child.full_clean(exclude=["team", "worker", "organisation", "recorded_by", "batch"])
        child.save(update_fields=changed)
        now = timezone.now()
        DetailChange.objects.bulk_create(
            DetailChange(child=child, field=f, old_value=detail_text(old[f]), new_value=detail_text(changes[f]),
                         reason=(reason or "").strip(), changed_by=by if getattr(by, "pk", None) else None,
                         changed_at=now, batch=batch)
            for f in changed
        )
        record_event(by=by, verb="updated_child", obj=child, child=child, details={"fields": changed},
                     batch=batch)
        for step in after_change:
            step(by=by, child=child)
    return child


def _allocation_kind(child: Child, team, worker) -> str:
    if child.team_id is not None and child.team_id != team.pk:
        return AllocationKind.TRANSFERRED
    if child.worker_id is not None and child.worker_id != getattr(worker, "pk", None):
        return AllocationKind.REALLOCATED
    return AllocationKind.ALLOCATED


@transaction.atomic
def allocate_child(*, by, child: Child, team, worker=None, reason: str = "") -> Child:
    """Allocate a child to a team and (optionally) a worker in it. Scoping follows.

    A transfer to another team, or a reallocation away from the worker the child has, needs a
    reason (kept encrypted). The receiving worker sees the child as "new to you" until they
    open the record.
    """
    if team.organisation_id != child.organisation_id:
        raise DomainError("The team must belong to the child's organisation.", field="team")
    if worker is not None and not worker.teams.filter(pk=team.pk).exists():
        raise DomainError("Choose a worker in the team the child is allocated to.", field="worker")
    if worker is not None and child.record_restrictions.active().filter(user=worker).exists():
        raise DomainError("This record is restricted from that worker. Choose someone else.", field="worker")
    kind = _allocation_kind(child, team, worker)
    reason = (reason or "").strip()
    if kind != AllocationKind.ALLOCATED and not reason:
        what = "transfer to another team" if kind == AllocationKind.TRANSFERRED else "reallocation"
        raise DomainError(f"Give the reason for the {what}.", field="reason")
    before = {"team": child.team_id, "worker": child.worker_id}
    allocation = Allocation.objects.create(
        child=child, kind=kind, team=team, worker=worker, from_team_id=child.team_id,
        from_worker_id=child.worker_id, reason=reason, allocated_by=by if getattr(by, "pk", None) else None,
    )
    child.team, child.worker = team, worker
    child.police_only = False
    child.save(update_fields=["team", "worker", "police_only"])
    # Open support moves with the child (episodes are reached by name to keep this layer low).
    Child._meta.get_field("episodes").related_model.objects.filter(
        child=child, end_date__isnull=True, voided_at__isnull=True
    ).update(team=team, worker=worker)
    record_event(
        by=by, verb="allocated_child", obj=child, child=child,
        details={"from": before, "to": {"team": team.pk, "worker": getattr(worker, "pk", None)},
                 "kind": kind, "allocation": allocation.pk},
    )
    return child


@transaction.atomic
def open_allocated_record(*, by, child: Child) -> int:
    """The worker opens a child's record allocated to them: it is no longer "new to you".
    Returns how many allocations were marked opened (0 when there was nothing new)."""
    if not getattr(by, "pk", None):
        return 0
    opened = Allocation.objects.filter(child=child, worker=by, opened_at__isnull=True).update(
        opened_at=timezone.now())
    if opened:
        record_event(by=by, verb="opened_allocated_record", obj=child, child=child)
    return opened


@transaction.atomic
def merge_child_records(
    *, by, keep: Child, duplicate: Child, reason: str, before_move: Sequence[Callable[..., None]]
) -> Child:
    """Merge a duplicate record into `keep`, keeping both histories.

    Every record that pointed at the duplicate (referrals, episodes, offences, statuses...)
    is moved to `keep`; the duplicate stays, marked as merged, so its history can be traced.
    `before_move` are the steps of apps above people that must run first, each called as
    step(keep=, duplicate=, by=) inside the transaction. People imports none of them: call
    `privacy.actions.merge_children`, which names every step.
    """
    if keep.pk == duplicate.pk:
        raise DomainError("Choose two different records to merge.")
    # Re-read both under a lock so two managers merging at once cannot make a cycle.
    locked = {c.pk: c for c in Child.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])}
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if keep.organisation_id != duplicate.organisation_id:
        raise DomainError("Only records in the same organisation can be merged.")
    if duplicate.merged_into_id or keep.merged_into_id:
        raise DomainError("One of these records has already been merged.")
    if not reason.strip():
        raise DomainError("Give the reason these are the same child.", field="reason")
    _merge_restrictions(by=by, keep=keep, duplicate=duplicate)
    for step in before_move:
        step(keep=keep, duplicate=duplicate, by=by)
    moved: dict[str, int] = {}
    # Walk the relations generically, so this bottom-layer action imports no app above it.
    for relation in Child._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.one_to_many) or relation.related_model is Child:
            continue
        manager = relation.related_model._base_manager
        count = manager.filter(**{relation.field.name: duplicate}).update(**{relation.field.name: keep})
        if count:
            moved[relation.related_model._meta.label_lower] = count
    Child.objects.filter(merged_into=duplicate).update(merged_into=keep)
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into"])
    if keep.police_only and not duplicate.police_only:
        keep.police_only = False
        keep.save(update_fields=["police_only"])
    record_event(by=by, verb="merged_child", obj=keep, child=keep,
                 details={"duplicate": duplicate.pk, "moved": moved})
    record_event(by=by, verb="merged_into", obj=duplicate, child=duplicate, details={"kept": keep.pk})
    return keep


def _merge_restrictions(*, by, keep: Child, duplicate: Child) -> None:
    """Restrictions on either record apply to the merged record (the safe union).

    Where both records carry the same restriction, the duplicate's copy is lifted (kept,
    dated) so that one active restriction remains.
    """
    on_duplicate = RecordRestriction.objects.active().filter(child=duplicate)
    if keep.worker_id and on_duplicate.filter(user_id=keep.worker_id).exists():
        raise DomainError("The duplicate record is restricted from the worker the kept record is allocated to. "
                          "Allocate the child to someone else first.")
    lifted = {"lifted_at": timezone.now(), "lifted_by": by,
              "lift_reason": "Records merged: the kept record has the same restriction"}
    on_keep = RecordRestriction.objects.active().filter(child=keep).values("user_id")
    on_duplicate.filter(user_id__in=on_keep).update(**lifted)
    if ProcessingRestriction.objects.active().filter(child=keep).exists():
        ProcessingRestriction.objects.active().filter(child=duplicate).update(**lifted)


# ---- Dated status records ----------------------------------------------------------------

def _status_models():
    return {
        "accommodation": m.Accommodation,
        "ete": m.ETEStatus,
        "send": m.SENDStatus,
        "care": m.CareStatus,
        "mental_health": m.MentalHealthNeed,
        "substance": m.SubstanceMisuseNeed,
    }


# Kinds where a new record replaces the one current before it (one at a time).
REPLACING_KINDS = {"accommodation", "ete", "send"}


@transaction.atomic
def record_status(*, by, child: Child, status: str, start_date: dt.date, today: dt.date,
                  source: str = "", **fields):
    """Record a dated status (accommodation, ETE, SEND, care, mental health, substance misuse).

    For accommodation, ETE and SEND a new record ends the one current before it the day
    before, so "status on a date" has one answer; care statuses of the same kind likewise.
    """
    check_processing_allowed(child)
    models_by_kind = _status_models()
    if status not in models_by_kind:
        raise DomainError(f"Unknown status type: {status}")
    if start_date > today:
        raise DomainError("A status cannot start in the future.", field="start_date")
    if start_date < child.date_of_birth:
        raise DomainError("A status cannot start before the child was born.", field="start_date")
    model = models_by_kind[status]
    same = model.objects.current().filter(child=child)
    if status == "care":
        same = same.filter(kind=fields.get("kind"))
    if status in REPLACING_KINDS or status == "care":
        later = same.filter(start_date__gte=start_date).order_by("start_date").first()
        if later is not None:
            raise DomainError(
                f"A {model._meta.verbose_name} from {later.start_date:%-d %B %Y} is already recorded. "
                "Record changes after it, or end it first.", field="start_date")
        ended = list(same.filter(end_date__isnull=True).values_list("pk", flat=True))
        same.filter(pk__in=ended).update(end_date=start_date - dt.timedelta(days=1))
    else:
        ended = []
        if same.filter(start_date=start_date, end_date__isnull=True).exists():
            raise DomainError(f"A {model._meta.verbose_name} starting on this date is already recorded.",
                              field="start_date")
    record = model(child=child, start_date=start_date, source=source,
                   recorded_by=by if getattr(by, "pk", None) else None, **fields)
    record.full_clean(exclude=["child", "recorded_by", "batch", "voided_by"])
    record.save()
    record_event(by=by, verb="recorded_status", obj=record, child=child,
                 details={"status": status, "ended": ended})
    return record


@transaction.atomic
def end_status(*, by, record, end_date: dt.date, today: dt.date):
    """End a current status record (e.g. a child is no longer looked after)."""
    check_processing_allowed(record.child_id)
    if end_date > today or end_date < record.start_date:
        raise DomainError("The end date must be between the start date and today.", field="end_date")
    record.end_date = end_date
    record.save(update_fields=["end_date"])
    record_event(by=by, verb="ended_status", obj=record, child=record.child_id)
    return record


# ---- Restrictions (data protection) ---------------------------------------------------------

def _check_manager_of(by, child: Child) -> None:
    if not getattr(by, "pk", None) or not by.has_any_role(MANAGER_ROLES):
        raise DomainError("Only a team or service manager can do this.")
    if by.organisation_id != child.organisation_id:
        raise DomainError("Only a manager in the child's organisation can do this.")
    if not Child.objects.visible_to(by).filter(pk=child.pk).exists():
        raise DomainError("Only a manager who can see this child's record can do this.")


def _clean_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message, field="reason")
    return reason


@transaction.atomic
def restrict_record(*, by, child: Child, user, reason: str):
    """Restrict a child's record from a named user; for them it is then out of scope.

    The child's allocated worker cannot be restricted: reallocate the child first, so a
    child is never left allocated to someone who cannot see them.
    """
    _check_manager_of(by, child)
    reason = _clean_reason(reason, "Give the reason for restricting this record.")
    if user.pk == by.pk:
        raise DomainError("You cannot restrict a record from yourself. Ask another manager.", field="user")
    if user.organisation_id != child.organisation_id:
        raise DomainError("Choose someone in the child's organisation.", field="user")
    if child.worker_id == user.pk:
        raise DomainError("This child is allocated to that worker. Allocate the child to someone else "
                          "first, then restrict the record.", field="user")
    # Lock the child so two managers restricting at once meet the constraint in order.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if RecordRestriction.objects.active().filter(child=child, user=user).exists():
        raise DomainError("This record is already restricted from that person.", field="user")
    restriction = RecordRestriction.objects.create(child=child, user=user, reason=reason, created_by=by)
    record_event(by=by, verb="restricted_record", obj=restriction, child=child, details={"user": user.pk})
    return restriction


@transaction.atomic
def lift_restriction(*, by, restriction, reason: str = "", now=None):
    """Lift a record restriction (kept, dated); the person can see the record again if in scope."""
    restriction = RecordRestriction.objects.select_for_update().get(pk=restriction.pk)
    _check_manager_of(by, restriction.child)
    if restriction.user_id == by.pk:
        raise DomainError("You cannot lift a restriction on yourself. Ask another manager.")
    if not restriction.is_active:
        raise DomainError("This restriction has already been lifted.")
    restriction.lifted_at, restriction.lifted_by = now or timezone.now(), by
    restriction.lift_reason = (reason or "").strip()
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    record_event(by=by, verb="lifted_record_restriction", obj=restriction, child=restriction.child_id,
                 details={"user": restriction.user_id})
    return restriction


@transaction.atomic
def restrict_processing(*, by, child: Child, reason: str):
    """Restrict processing of a child's data (UK GDPR art. 18): kept and viewable, no
    pathway steps recorded, left out of research extracts, still in statutory figures."""
    _check_manager_of(by, child)
    reason = _clean_reason(reason, "Give the reason for restricting processing (for example the "
                                   "request and what is being checked).")
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if ProcessingRestriction.objects.active().filter(child=child).exists():
        raise DomainError("Processing of this child's data is already restricted.")
    restriction = ProcessingRestriction.objects.create(child=child, reason=reason, created_by=by)
    record_event(by=by, verb="restricted_processing", obj=restriction, child=child)
    return restriction


@transaction.atomic
def lift_processing_restriction(*, by, child: Child, reason: str, now=None):
    """Lift the restriction of processing on a child's data, with the reason."""
    _check_manager_of(by, child)
    reason = _clean_reason(reason, "Give the reason for lifting the restriction.")
    restriction = ProcessingRestriction.objects.select_for_update().active().filter(child=child).first()
    if restriction is None:
        raise DomainError("Processing of this child's data is not restricted.")
    restriction.lifted_at, restriction.lifted_by, restriction.lift_reason = now or timezone.now(), by, reason
    restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    record_event(by=by, verb="lifted_processing_restriction", obj=restriction, child=child)
    return restriction


def check_processing_allowed(child) -> None:
    """Refuse a pathway step while processing of the child's data is restricted.

    Called by every action that records something about a child (the one central check).
    """
    child_id = getattr(child, "pk", child)
    if child_id and ProcessingRestriction.objects.active().filter(child_id=child_id).exists():
        raise DomainError("Processing of this child's data is restricted, so nothing new can be recorded. "
                          "The record can still be viewed. Ask a manager if the restriction should be lifted.")
