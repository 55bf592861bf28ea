"""Linkage pages: the quality and bias report, and the clerical review queue."""
