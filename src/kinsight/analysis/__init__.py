"""Analysis: indicators declared as data, comparators, context, journeys."""
