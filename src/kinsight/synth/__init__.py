"""The synthetic local authority and its ground truth. Never used by production code paths."""
