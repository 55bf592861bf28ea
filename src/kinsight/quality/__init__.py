"""Data quality: the DfE rule sets for SSDA903 and the CIN census by year, and their reports."""
