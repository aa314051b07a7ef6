"""Case audits in numbers for the board pack: a pure function over an organisation and a quarter."""

from __future__ import annotations

from django.db.models import Count

from divert.oversight.models import AuditGrade, AuditStatus, AuditTheme, CaseAudit, Grade

GRADES = tuple(Grade.values)


def audit_summary(organisation, quarter) -> dict:
    """The quarter's case audits for `organisation`, counted in the database.

    `quarter` is anything with `start` and `end` dates (an `oversight.quarters.Quarter`, or
    the board pack's period); audits count in the quarter they were chosen for (their
    quarter's first day falls between `start` and `end`), voided ones never. Returns::

        {
            "start": date, "end": date,
            "chosen": int,                 # cases chosen for audit
            "audits": int,                 # audits done (the numbers below count these)
            "status": {"to_audit": int, "in_progress": int, "done": int},
            "grade_labels": {"outstanding": "Outstanding", "good": "Good",
                             "requires_improvement": "Requires improvement",
                             "inadequate": "Inadequate"},   # the order to show them in
            "overall": {"outstanding": int, "good": int, "requires_improvement": int,
                        "inadequate": int},               # every domain grade given
            "domains": [                                   # by domain name, template order
                {"name": "Assessment quality",
                 "grades": {"outstanding": int, "good": int, ...}, "graded": int},
                ...
            ],
            "themes": [{"theme": "Child's voice missing", "count": int}, ...],  # most first
        }

    Every count dict holds every grade or status (0 when none). Domains of different
    template versions with the same name are counted together.
    """
    chosen = CaseAudit.objects.current().filter(
        child__organisation=organisation, quarter_start__gte=quarter.start, quarter_start__lte=quarter.end,
    )
    status = dict.fromkeys(AuditStatus.values, 0)
    for row in chosen.values("status").annotate(n=Count("pk")).order_by():
        status[row["status"]] = row["n"]
    done = chosen.filter(status=AuditStatus.DONE)
    overall = dict.fromkeys(GRADES, 0)
    domains: dict[str, dict] = {}
    rows = (AuditGrade.objects.filter(audit__in=done)
            .values("domain__name", "grade").annotate(n=Count("pk"))
            .order_by("domain__position", "domain__name", "grade"))
    for row in rows:
        domain = domains.setdefault(row["domain__name"], {"name": row["domain__name"],
                                                          "grades": dict.fromkeys(GRADES, 0), "graded": 0})
        domain["grades"][row["grade"]] += row["n"]
        domain["graded"] += row["n"]
        overall[row["grade"]] += row["n"]
    themes = (AuditTheme.objects.filter(audit__in=done).values("theme").annotate(count=Count("pk"))
              .order_by("-count", "theme"))
    return {
        "start": quarter.start, "end": quarter.end,
        "chosen": sum(status.values()), "audits": status[AuditStatus.DONE], "status": status,
        "grade_labels": dict(Grade.choices), "overall": overall, "domains": list(domains.values()),
        "themes": [{"theme": t["theme"], "count": t["count"]} for t in themes],
    }
