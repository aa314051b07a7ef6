"""Deterministic synthetic data: a fictional city for the demo, or national scale for load.

`divert generate --scale demo|national --seed N --today YYYY-MM-DD` (see
`divert.synth.generator.generate`), `divert demo` (migrate, load once, print logins, serve)
and `divert serve`. Default reference data: `divert.synth.reference`.
"""
