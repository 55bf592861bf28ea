"""The Django web service: pages per audience and the JSON API."""
