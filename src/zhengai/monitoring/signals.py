"""Signals of the monitoring app, for the apps above it (DESIGN.md: a lower service announces, an upper app
listens; never an import upward)."""

from django.dispatch import Signal

# Sent after a recompute has stored a QC point's measurements (and synced its warnings) for some entities, so
# that the apps above can judge what the new data says — the spiral's improvement loop verifies an
# improvement's effect by it. Sent after the transaction commits.
# Arguments: sender (the Measurement model), institution, period (the academic year measured), qc_point
# (QCPoint), entity_keys (list of the entity keys measured, e.g. ["major:12", "major:13"]).
measurements_recorded = Signal()
