"""Governance pages for the data protection officer: agreements, audit, break-glass reviews."""
