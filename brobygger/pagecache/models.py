"""The change counter of each table, read by the page cache (keep.py, tracking.py)."""

from __future__ import annotations

from django.db import models


class TableVersion(models.Model):
    """How many committed changes a table has had since counting began. A table never
    changed has no row (its version is 0). Written only by `tracking.bump`, after the
    transaction that changed the table committed."""

    name = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    class Meta:
        db_table = "pagecache_tableversion"

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"
