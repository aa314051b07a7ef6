"""Run the generator: plan organisations, create them, and bulk-load each one's history.

Each organisation is loaded in its own transaction with its own `Batch` (kind
"generator"), which writes the single audit event for everything in it. Memory stays
bounded: one organisation's rows are held at a time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from divert.audit.actions import finish_batch, start_batch
from divert.audit.models import Batch
from divert.offending.models import OffenceType
from divert.synth import organisations as orgs
from divert.synth.bulk import TABLE_KEYS, TABLES, Ids, LoadStats, analyze, write_rows
from divert.synth.history import OrgHistory
from divert.synth.organisations import DEMO_PASSWORD
from divert.synth.oversight import record_demo_oversight
from divert.synth.reference import ensure_self_ratings_instrument, load_default_offence_types
from divert.synth.texts import Narratives

DEFAULT_TODAY = dt.date(2026, 11, 23)
DEFAULT_YEARS = 5
NATIONAL_ORGANISATIONS = 150
NATIONAL_CHILDREN = 500_000
# About 350 referrals a year in the demo city (seed: Leicester), plus children known only
# from police data: about 444 child records a year.
DEMO_CHILDREN_PER_YEAR = 444
SCALES = ("demo", "national")


class GeneratorRefused(Exception):
    """The generator will not run: the data it would create already exists."""


@dataclass
class Report:
    """What a run created and how long it took."""

    organisations: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    stats: LoadStats = field(default_factory=LoadStats)
    generate_seconds: float = 0.0
    setup_seconds: float = 0.0
    total_seconds: float = 0.0


def plan(*, scale: str, seed: int, organisations: int | None, children: int | None, years: int):
    """The commissioners and organisations a run would create."""
    if scale == "demo":
        return orgs.demo_commissioners(), orgs.demo_plans(
            children=children if children is not None else DEMO_CHILDREN_PER_YEAR * years
        )
    if scale == "national":
        return orgs.national_plans(
            organisations=organisations or NATIONAL_ORGANISATIONS,
            children=children if children is not None else NATIONAL_CHILDREN,
            seed=seed,
        )
    raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")


def generate(
    *,
    scale: str = "demo",
    seed: int = 1,
    today: dt.date = DEFAULT_TODAY,
    organisations: int | None = None,
    children: int | None = None,
    years: int = DEFAULT_YEARS,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> Report:
    """Create synthetic organisations and their histories as at `today`; deterministic per seed."""
    if years < 1:
        raise ValueError("years must be at least 1")
    started = time.perf_counter()
    commissioners, plans = plan(
        scale=scale, seed=seed, organisations=organisations, children=children, years=years
    )
    taken = orgs.existing_slugs(plans, commissioners)
    if taken:
        raise GeneratorRefused(
            f"Synthetic data already exists ({', '.join(taken[:5])}"
            f"{', ...' if len(taken) > 5 else ''}). Use an empty database, or flush this one first."
        )
    report = Report()
    load_default_offence_types()
    instrument = ensure_self_ratings_instrument()
    offence_types = {
        o.code: (o.code, o.yjb_category, o.seriousness, o.description, o.pk)
        for o in OffenceType.objects.filter(organisation__isnull=True)
    }
    password_hash = orgs.hash_password(DEMO_PASSWORD)
    texts = Narratives(pooled=scale == "national", seed=seed)
    with transaction.atomic():
        funders, report.logins = orgs.create_commissioners(
            commissioners, password_hash=password_hash
        )
    ids = Ids()
    report.setup_seconds = time.perf_counter() - started
    for number, org_plan in enumerate(plans, start=1):
        with transaction.atomic():
            setup_started = time.perf_counter()
            ctx = orgs.create_organisation(
                org_plan, commissioners=funders, today=today, password_hash=password_hash
            )
            batch = start_batch(
                kind=Batch.Kind.GENERATOR,
                organisation=ctx.organisation,
                description=f"Synthetic history: seed {seed}, as at {today.isoformat()}, {years} years",
            )
            generate_started = time.perf_counter()
            report.setup_seconds += generate_started - setup_started
            rows = OrgHistory(
                ctx,
                seed=seed,
                today=today,
                years=years,
                ids=ids,
                texts=texts,
                batch_id=batch.pk,
                offence_types=offence_types,
                instrument_id=instrument.pk,
            ).generate()
            report.generate_seconds += time.perf_counter() - generate_started
            for table in TABLES:
                write_rows(table, rows[table.key], report.stats)
            if scale == "demo":  # a few rows per organisation, through the actions
                record_demo_oversight(ctx.organisation, today=today)
            finish_batch(
                batch,
                counts={key: len(rows[key]) for key in TABLE_KEYS},
                verb="generated_synthetic_data",
            )
            del rows
            # Foreign keys are checked at commit (they are deferred), so time it too.
            commit_started = time.perf_counter()
        report.stats.add("(commit)", 0, time.perf_counter() - commit_started)
        ids.sync_sequences()
        report.organisations.append(org_plan.slug)
        report.logins.extend(ctx.logins)
        if on_progress:
            on_progress(number, len(plans), org_plan.name)
    analyze_started = time.perf_counter()
    analyze()
    report.stats.add("(analyze)", 0, time.perf_counter() - analyze_started)
    report.total_seconds = time.perf_counter() - started
    return report
