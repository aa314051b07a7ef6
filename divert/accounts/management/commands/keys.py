"""`divert keys`: field encryption keys.

    divert keys new                 print a new key to put first in DIVERT_FIELD_KEYS
    divert keys check               count values per model and field not under the newest key
    divert keys rotate [--dry-run]  re-encrypt every encrypted value with the newest key

Rotation works in batches, each in its own transaction with its rows locked, so it can
run while the service is in use and be stopped and run again: a value already under the
newest key is left alone. Text stored before encryption is encrypted on the way. A value
no configured key can read is counted and left as it is (the command then fails).
Procedure: docs/operations.md, "Rotating the field encryption keys".

The command lives in accounts (not core) because it writes an audit event and re-encrypts
the two-factor secrets that accounts keeps through django-allauth.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Case, ExpressionWrapper, F, TextField, Value, When

from divert.audit.actions import record_event
from divert.core.crypto import PREFIX, encrypt_text, field_fernet, field_keys
from divert.core.fields import EncryptedTextField

BATCH_SIZE = 500
# What a stored value is: under the newest key, under an older one, stored before
# encryption, or readable by no configured key.
CURRENT, OLDER, PLAIN, UNREADABLE = "current", "older key", "not encrypted", "unreadable"


def encrypted_fields() -> list[tuple[type, EncryptedTextField]]:
    """Every EncryptedTextField in every concrete model, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append((model, f))
    return sorted(found, key=lambda mf: (mf[0]._meta.label, mf[1].name))


def state_of(stored: str, newest: Fernet) -> str:
    """Which key, if any, a stored value is under."""
    if not stored.startswith(PREFIX):
        return PLAIN
    token = stored[len(PREFIX) :].encode("ascii")
    try:
        newest.decrypt(token)
        return CURRENT
    except InvalidToken:
        pass
    try:
        field_fernet().decrypt(token)
        return OLDER
    except InvalidToken:
        return UNREADABLE


def rotated(stored: str, state: str) -> str:
    """The value under the newest key (its original timestamp kept)."""
    if state == PLAIN:
        return encrypt_text(stored)
    token = stored[len(PREFIX) :].encode("ascii")
    return PREFIX + field_fernet().rotate(token).decode("ascii")


@dataclass
class FieldReport:
    """Counts for one model field."""

    label: str
    states: Counter = field(default_factory=Counter)
    rewritten: int = 0


def scan(model, f, *, write: bool, batch_size: int = BATCH_SIZE) -> FieldReport:
    """Count (and, when `write`, re-encrypt) one field's non-empty values, a batch at a time."""
    report = FieldReport(f"{model._meta.label}.{f.name}")
    newest = Fernet(field_keys()[0].encode())
    raw = ExpressionWrapper(F(f.attname), output_field=TextField())  # the stored text, not decrypted
    values = (
        model._base_manager.annotate(stored=raw)
        .exclude(stored__isnull=True)
        .exclude(stored="")
        .order_by("pk")
    )
    last = None
    while True:
        with transaction.atomic():
            batch = values if last is None else values.filter(pk__gt=last)
            if write:
                batch = batch.select_for_update(of=("self",))
            rows = list(batch.values_list("pk", "stored")[:batch_size])
            if not rows:
                return report
            last = rows[-1][0]
            updates = {}
            for pk, stored in rows:
                state = state_of(stored, newest)
                report.states[state] += 1
                if state in (OLDER, PLAIN):
                    updates[pk] = rotated(stored, state)
            if write and updates:
                new_value = Case(
                    *[When(pk=pk, then=Value(v, output_field=TextField())) for pk, v in updates.items()],
                    output_field=TextField(),
                )
                model._base_manager.filter(pk__in=list(updates)).update(**{f.attname: new_value})
                report.rewritten += len(updates)


# Secrets kept inside JSON by django-allauth's MFA, encrypted with the field keys through
# accounts.adapters.MfaAdapter: the TOTP secret, the recovery-code seed, migrated codes.
MFA_SECRET_KEYS = ("secret", "seed")
MFA_SECRET_LISTS = ("migrated_codes",)


def scan_mfa_secrets(*, write: bool, batch_size: int = BATCH_SIZE) -> FieldReport:
    """Count (and, when `write`, re-encrypt) the two-factor secrets, a batch at a time.

    Without this, removing an old key after rotation would leave every authenticator app
    and recovery code unreadable, and nobody with two-factor could sign in."""
    report = FieldReport("mfa.Authenticator.data")
    newest = Fernet(field_keys()[0].encode())
    last = None
    while True:
        with transaction.atomic():
            batch = Authenticator.objects.order_by("pk")
            if last is not None:
                batch = batch.filter(pk__gt=last)
            if write:
                batch = batch.select_for_update()
            rows = list(batch[:batch_size])
            if not rows:
                return report
            last = rows[-1].pk
            for authenticator in rows:
                data, changed = dict(authenticator.data or {}), 0

                def check(stored):
                    nonlocal changed
                    state = state_of(stored, newest)
                    report.states[state] += 1
                    if state in (OLDER, PLAIN):
                        changed += 1
                        return rotated(stored, state)
                    return stored

                for key in MFA_SECRET_KEYS:
                    if isinstance(data.get(key), str) and data[key]:
                        data[key] = check(data[key])
                for key in MFA_SECRET_LISTS:
                    if isinstance(data.get(key), list):
                        data[key] = [check(v) if isinstance(v, str) and v else v for v in data[key]]
                if write and changed:
                    Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
                    report.rewritten += changed


class Command(BaseCommand):
    help = "Field encryption keys: make a new one, check which key values are under, rotate."

    def add_arguments(self, parser: CommandParser) -> None:
        """Subcommands new, check and rotate."""
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new", help="Print a new key to put first in DIVERT_FIELD_KEYS.")
        sub.add_parser("check", help="Count values not under the newest key (fails if any).")
        rotate = sub.add_parser("rotate", help="Re-encrypt every value with the newest key.")
        rotate.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")
        rotate.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options) -> None:
        """Run the chosen subcommand."""
        action = options["action"]
        if action == "new":
            self.stdout.write(Fernet.generate_key().decode())
            return
        write = action == "rotate" and not options["dry_run"]
        reports = [
            scan(model, f, write=write, batch_size=options.get("batch_size") or BATCH_SIZE)
            for model, f in encrypted_fields()
        ]
        reports.append(scan_mfa_secrets(write=write, batch_size=options.get("batch_size") or BATCH_SIZE))
        totals: Counter = Counter()
        for r in reports:
            totals.update(r.states)
            parts = [f"{r.states[s]} {s}" for s in (CURRENT, OLDER, PLAIN, UNREADABLE) if r.states[s]]
            line = f"{r.label}: {sum(r.states.values())} values" + (f" ({', '.join(parts)})" if parts else "")
            if write:
                line += f"; re-encrypted {r.rewritten}"
            elif action == "rotate":
                line += f"; would re-encrypt {r.states[OLDER] + r.states[PLAIN]}"
            self.stdout.write(line)
        stale = totals[OLDER] + totals[PLAIN]
        self.stdout.write(
            f"{len(reports)} encrypted fields, {sum(totals.values())} values: {totals[CURRENT]} under the "
            f"newest key, {stale} not, {totals[UNREADABLE]} unreadable by any configured key."
        )
        if write:
            record_event(by=None, verb="rotated_field_keys", details={
                "fields": len(reports), "re_encrypted": sum(r.rewritten for r in reports),
                "unreadable": totals[UNREADABLE], "keys": len(field_keys()),
            })
        if totals[UNREADABLE]:
            raise CommandError(
                f"{totals[UNREADABLE]} values cannot be read with any key in DIVERT_FIELD_KEYS: "
                "put back the key they were written with before removing it."
            )
        if action == "check" and stale:
            raise CommandError(f"{stale} values are not under the newest key: run `divert keys rotate`.")
