"""Insight pages: indicator dashboards beside statistical neighbours, region and England."""
