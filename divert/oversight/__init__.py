"""Management oversight of a child's case and case audits (quality assurance)."""
