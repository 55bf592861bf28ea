"""Files the service hands over: one helper so every download is named and typed the same way."""

from django.http import HttpResponse


def attachment(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
