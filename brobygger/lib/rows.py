"""Writing many rows at once, for bulk loads (the demo programme).

Django's `bulk_update` builds one CASE expression per field over every row of a batch;
resolving those expressions costs more than the database's work (seconds per thousand
rows). For bulk loads (the demo programme) `update_rows` sends one plain
`UPDATE ... WHERE pk = %s` with each row's values through `executemany`: psycopg sends
them in one pipeline, SQLite runs them in-process. `insert_rows` is `bulk_create`
through PostgreSQL's COPY. `add_rows` is the request path's insert of a few rows (an
access-log entry and the persons it names): one plain `INSERT ... VALUES`, without the
INSERT compiler's work per value, which cost more than the database's (issue 19).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED

M = TypeVar("M", bound=models.Model)

# Django's own field classes (exactly these: a subclass may convert in its own way) whose
# value for PostgreSQL, from `get_db_prep_save`, is the attribute itself when it is None
# or of the type named here: the conversion only checks the type (and the backend wraps
# an int in psycopg's Int4/Int8, which COPY writes as the same text). A date and an
# aware datetime go to PostgreSQL as they are; a naive datetime takes Django's path (its
# warning, its time zone), as does a field that fills itself in (auto_now, auto_now_add).
_AS_IS: dict[type[models.Field], type] = {
    **dict.fromkeys(
        (
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        ),
        int,
    ),
    models.CharField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.DateField: datetime.date,
    models.DateTimeField: datetime.datetime,
}


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
    db = connections[DEFAULT_DB_ALIAS]  # looked up once, not through the proxy per value
    quote = db.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 (our own names)
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    params = [
        [
            *(field.get_db_prep_save(getattr(obj, field.attname), db) for field in concrete),
            meta.pk.get_db_prep_value(obj.pk, db),
        ]
        for obj in objs
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def insert_rows(objs: Sequence[M], *, batch_size: int = 2000) -> Sequence[M]:
    """`bulk_create` for bulk loads (the demo programme): the same rows, the instances
    given their ids as there. On PostgreSQL one COPY, after drawing the missing ids from
    the table's own sequence in one round trip (Django's INSERT compiler costs more than
    the database's work at hundreds of thousands of rows); elsewhere `bulk_create`.
    No signals, as with `bulk_create`; auto_now and auto_now_add are filled in."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    fields = list(meta.local_concrete_fields)
    plain = not meta.parents and all(
        getattr(field, "db_default", NOT_PROVIDED) is NOT_PROVIDED
        and not getattr(field, "generated", False)
        for field in fields
    )
    if connection.vendor != "postgresql" or not plain:
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return objs
    for obj in objs:  # a foreign key's id from its object, saved since (as bulk_create)
        obj._prepare_related_fields_for_save(operation_name="insert_rows")  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    table, pk = meta.db_table, meta.pk
    missing = [obj for obj in objs if obj.pk is None]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(  # our own table's and column's names and an int
                f"SELECT nextval(pg_get_serial_sequence('{table}', '{pk.column}')) "  # noqa: S608
                f"FROM generate_series(1, {len(missing)})"
            )
            ids = sorted(int(row[0]) for row in cursor.fetchall())
        for obj, pk_value in zip(missing, ids, strict=True):
            obj.pk = pk_value
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"COPY {quote(table)} ({columns}) FROM STDIN"
    db = connections[DEFAULT_DB_ALIAS]  # looked up once, not through the proxy per value
    values = [_copy_value(field, db) for field in fields]
    with db.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([value(obj) for value in values])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _copy_value(field: models.Field, db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """The value of `field` in an instance, as `insert_rows` sends it to PostgreSQL's COPY:
    what `field.get_db_prep_save(field.pre_save(obj, add=True))` gives, without Django's
    conversion where it would hand the attribute back unchanged (`_AS_IS`; at hundreds of
    thousands of rows the conversion cost more than the database's work)."""
    attname = field.attname

    def converted(obj: Any) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, add=True), db)

    kind = _AS_IS.get(type(field))
    if type(field) is models.ForeignKey:  # its target's conversion, for an integer key
        kind = int if _AS_IS.get(type(field.target_field)) is int else None
    if kind is None or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return converted
    if kind is datetime.datetime:

        def moment(obj: Any) -> Any:
            value = getattr(obj, attname)
            if value is None or (type(value) is datetime.datetime and value.tzinfo is not None):
                return value
            return converted(obj)

        return moment

    def as_is(obj: Any) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) is kind:
            return value
        return converted(obj)

    return as_is


def add_rows(objs: Sequence[M]) -> Sequence[M]:
    """Insert a few new rows of one model in one plain `INSERT ... VALUES (...), (...)`
    (in batches the database accepts). Either every row carries its primary key, or none
    does and the database gives them (not read back: for rows nobody needs the id of, as
    the persons an access-log entry names). No signals, as with `bulk_create`; auto_now
    and auto_now_add are filled in; the instances count as saved afterwards."""
    if not objs:
        return objs
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for sql, params in insert_statements(objs):
            cursor.execute(sql, params)
    return mark_added(objs)


def insert_statements(objs: Sequence[M]) -> list[tuple[str, list[Any]]]:
    """The statements `add_rows` runs for `objs`, not run (for a caller that sends one
    together with other statements: audit/services.py); then `mark_added(objs)`."""
    if not objs:
        return []
    meta = type(objs[0])._meta
    keyed = [obj.pk is not None for obj in objs]
    if any(keyed) and not all(keyed):
        raise ValueError("add_rows: either every row has its primary key or none has")
    fields = [field for field in meta.local_concrete_fields if all(keyed) or not field.primary_key]
    for obj in objs:  # a foreign key's id from its object, saved since (as bulk_create)
        obj._prepare_related_fields_for_save(operation_name="add_rows")  # type: ignore[attr-defined]
    db = connections[DEFAULT_DB_ALIAS]  # looked up once, not through the proxy per value
    quote = db.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, db.ops.bulk_batch_size(fields, objs))
    statements = []
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        values = ", ".join([row] * len(batch))
        statements.append(
            (
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}",  # noqa: S608 (our own names)
                [
                    field.get_db_prep_save(field.pre_save(obj, add=True), db)
                    for obj in batch
                    for field in fields
                ],
            )
        )
    return statements


def mark_added(objs: Sequence[M]) -> Sequence[M]:
    """The instances count as saved, as after `save()`."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS
    return objs


def add_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[object]]
) -> int:
    """Insert `rows` of `model`, each the values of the fields `names` (no instances), in
    one plain `INSERT ... VALUES` per batch the database accepts. Each distinct value of a
    column is converted by its field once: for many small rows that share values, as the
    persons an access-log entry names (its seq and time, with one person id each), where
    making an instance per row cost more than the insert. No defaults, no signals.
    Returns the number of rows."""
    if not rows:
        return 0
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    if any(len(row) != len(fields) for row in rows):
        raise ValueError(f"add_values: every row has {len(fields)} values ({', '.join(names)})")
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)  # type: ignore[union-attr]
    converted: list[dict[object, Any]] = [{} for _ in fields]
    params: list[Any] = []
    for row in rows:
        for value, field, seen in zip(row, fields, converted, strict=True):
            key = (type(value), value)
            if key not in seen:
                seen[key] = field.get_db_prep_save(value, db)  # type: ignore[union-attr]
            params.append(seen[key])
    width = len(fields)
    size = max(1, db.ops.bulk_batch_size(fields, rows))
    one = "(" + ", ".join(["%s"] * width) + ")"
    with db.cursor() as cursor:
        for start in range(0, len(rows), size):
            count = min(size, len(rows) - start)
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "  # noqa: S608 (our own names)
                + ", ".join([one] * count),
                params[start * width : (start + count) * width],
            )
    return len(rows)
