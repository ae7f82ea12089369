"""Signals of the statedata app, for the apps above it (DESIGN.md: a lower service announces, an upper app
listens; never an import upward)."""

from django.dispatch import Signal

# Sent once per committed import, after the transaction commits — and after a roll call (or a leave approval)
# changed attendance rows, with record None.
# Arguments: sender (the table's model), institution, periods (list of Period), record (ImportRecord or None),
# months (the months of the dated teaching-process rows written, else None).
import_committed = Signal()

# Sent once a period's data version is frozen, after the transaction commits, so that the apps above keep what
# they computed for it. Arguments: sender (DataVersion), institution, period (Period), version (DataVersion).
period_frozen = Signal()
