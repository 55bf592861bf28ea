"""Per-source, per-collection-year schemas declared as data; readers to Arrow; lineage."""
