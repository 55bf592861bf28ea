"""The warehouse: a common data model keyed by person_id, in immutable DuckDB snapshots."""
