from django.db import models


class ValidationRun(models.Model):
    """One uploaded return and its validation, reached by an opaque token (never the file name)."""

    token = models.CharField(max_length=32, unique=True)
    return_type = models.CharField(max_length=16)
    year = models.PositiveIntegerField()
    la = models.CharField(max_length=16)
    uploaded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    #: ValidationResult.headline(): rows read, rules run, errors, queries, children with errors.
    headline = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
