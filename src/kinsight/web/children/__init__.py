"""The child view for practitioners: one child's records across services, governed and audited."""
