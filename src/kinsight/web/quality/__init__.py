"""Data quality pages: upload a statutory return, validate it, browse and download the findings."""
