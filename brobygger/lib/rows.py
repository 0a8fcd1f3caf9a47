"""Updating many rows, each with its own values, in one batched statement.

Django's `bulk_update` builds one CASE expression per field over every row of a batch;
resolving those expressions costs more than the database's work (seconds per thousand
rows). For bulk loads (the demo programme) `update_rows` sends one plain
`UPDATE ... WHERE pk = %s` with each row's values through `executemany`: psycopg sends
them in one pipeline, SQLite runs them in-process.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def update_rows(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of each saved instance in `objs` (all of one model); no signals,
    no auto_now, as with `bulk_update`. Returns the number of instances written."""
    if not objs:
        return 0
    meta = type(objs[0])._meta
    concrete: list[models.Field] = []
    for name in fields:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete or field.many_to_many:
            raise ValueError(f"{meta.label}.{name} is not a column")
        concrete.append(field)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (our own names)
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    params = [
        [
            *(
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in concrete
            ),
            meta.pk.get_db_prep_value(obj.pk, connection),
        ]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
