"""Analysis: indicators declared as data, comparators, context, journeys.

The public surface, for the CLI and the web service:

- :func:`catalogue` – every indicator (id, title, outcome, definition, unit, polarity …);
- :func:`compute` – indicators over a warehouse snapshot for any period, series and breakdowns;
- :func:`comparators` – the LA beside its statistical neighbours, region and England;
- :func:`expected_given_deprivation` – small-area context (its funnel plot is in :mod:`kinsight.outputs.funnel`);
- :func:`journeys` and :func:`time_to_event` – pathways through services from linked data.

Results are raw: pass them through :mod:`kinsight.outputs.disclosure` before they leave the
warehouse.
"""

from kinsight.analysis.catalogue import catalogue, indicator
from kinsight.analysis.comparators import comparators
from kinsight.analysis.context import expected_given_deprivation
from kinsight.analysis.engine import compute
from kinsight.analysis.journeys import journeys, time_to_event

__all__ = [
    "catalogue", "comparators", "compute", "expected_given_deprivation", "indicator",
    "journeys", "time_to_event",
]
