"""The pack's sections that take a narrative, by key, in the order the pack shows them."""

from __future__ import annotations

# "summary" is the narrative beside the one-page summary table; the rest are the pack's
# sections (divert.reports.pack), whose keys are stable.
SECTION_TITLES = {
    "summary": "Summary",
    "fte": "First time entrants",
    "reoffending": "Reoffending",
    "custody": "Custody",
    "kpis": "The ten key performance indicators",
    "prevention": "Prevention and diversion",
    "disproportionality": "Disproportionality",
    "oversight": "Management oversight",
    "data_quality": "Data quality",
}
