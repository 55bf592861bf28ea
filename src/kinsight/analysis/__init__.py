"""Analysis: indicators declared as data, comparators, context, journeys.

The public surface, for the CLI and the web service:

- :func:`catalogue` – every indicator (id, title, outcome, definition, unit, polarity …);
- :func:`compute` – indicators over a warehouse snapshot for any period, series and breakdowns;
- :func:`comparators` – the LA beside its statistical neighbours, region and England;
- :func:`funnel` and :func:`expected_given_deprivation` – small-area context;
- :func:`journeys` and :func:`time_to_event` – pathways through services from linked data.

Results are raw: pass them through :mod:`kinsight.outputs.disclosure` before they leave the
warehouse.
"""

from kinsight.analysis.catalogue import catalogue, indicator
from kinsight.analysis.engine import compute

__all__ = ["catalogue", "compute", "indicator"]
