"""Time the board pack's files for one organisation: computing the pack, then drawing the PDF
and writing the workbook from it, against computing the same measures alone. Prints medians;
not a test. Reads only (no file is stored, nothing audited).

    DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/divert_national DIVERT_ENV=test \\
        .venv/bin/python scripts/bench_pack_outputs.py [--org SLUG] [--period 2025-26Q1] [--repeat 3]

Without --org the organisation with the most children is used. Figures: the measures alone
(compute_report for the quarter, as the pack computes them), the whole pack (build_pack:
the quarter, eight quarters of trend and the tracker), the PDF and the XLSX drawn from it
(wall clock and CPU seconds; CPU is what a loaded machine does not inflate), pages and bytes.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")


def timed(fn, repeat: int):
    """(result of the last run, median wall seconds, median CPU seconds)."""
    walls, cpus, got = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        got = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return got, statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Time the measures, the pack, the PDF and the workbook; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", help="Organisation slug (default: the one with the most children).")
    parser.add_argument("--period", default="2025-26Q1")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--suppress", action="store_true", help="The board's pack (suppressed).")
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run.
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone
    from pypdf import PdfReader

    from divert.accounts.models import Organisation
    from divert.kpis.engine import compute_report
    from divert.kpis.periods import parse_period, publication_day
    from divert.reports.outputs import render_pdf, render_xlsx
    from divert.reports.pack import build_pack

    if args.org:
        org = Organisation.objects.get(slug=args.org)
    else:
        org = Organisation.objects.annotate(n=Count("children")).order_by("-n").first()
    quarter = parse_period(args.period)
    now = timezone.now()
    print(f"{org.slug}: {args.period}, {'suppressed' if args.suppress else 'every figure'}, median of {args.repeat}")
    _, m_wall, m_cpu = timed(lambda: compute_report(organisations=[org], period=quarter,
                                                    as_at=publication_day(quarter), with_changes=False), args.repeat)
    print(f"  measures alone   {m_wall:7.2f} s wall {m_cpu:7.2f} s CPU")
    pack, p_wall, p_cpu = timed(lambda: build_pack(organisations=[org], quarter=quarter, suppress=args.suppress,
                                                   now=now), args.repeat)
    print(f"  pack             {p_wall:7.2f} s wall {p_cpu:7.2f} s CPU  ({p_wall / m_wall:.1f} x the measures)")
    pdf, f_wall, f_cpu = timed(lambda: render_pdf(pack), args.repeat)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"  PDF from pack    {f_wall:7.2f} s wall {f_cpu:7.2f} s CPU  ({pages} pages, {len(pdf):,} bytes)")
    xlsx, x_wall, x_cpu = timed(lambda: render_xlsx(pack), args.repeat)
    print(f"  XLSX from pack   {x_wall:7.2f} s wall {x_cpu:7.2f} s CPU  ({len(xlsx):,} bytes)")
    print(f"  PDF in all       {p_wall + f_wall:7.2f} s; XLSX in all {p_wall + x_wall:7.2f} s")


if __name__ == "__main__":
    main()
