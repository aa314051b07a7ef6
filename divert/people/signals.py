"""Signals the people app sends, so apps above it can take part without it importing them."""

from django.dispatch import Signal

# Sent by merge_children (keep=, duplicate=, by=) inside its transaction, before the
# duplicate's records are moved to the kept record.
merging = Signal()
