"""The JSON API: the same operations as the pages, described by an OpenAPI 3 schema.

The schema is data (``openapi.yaml``), written by hand so it says what the sector needs to
know; a test checks that every route is in it and every documented path is routed.
"""
