"""A query every request runs, compiled to SQL once per process (issue 19).

Each signed-in request loads its session and its user. Django builds and compiles those
querysets anew every time: the user's query, with the subqueries read alongside it
(accounts/backends.py), cost about 0.8 ms of a 2 ms page to build and compile, and
0.09 ms to run. `Prepared` builds such a queryset once per database, with a marker
value in each place a request's own value goes, keeps the SQL Django compiled and the
positions of the markers among its parameters, and then runs that SQL with the request's
values in those positions, the rows made into instances as the ORM makes them. On
PostgreSQL the server, too, prepares the statement once per connection and then only
runs it (lib/postgres/base.py): planning the user's query cost it more than running it.

Only for a query whose shape does not depend on its values (a key, a time): a value
that changes the SQL itself (a list for `__in`, None for `IS NULL`) must stay in the
ORM. A marker that is not found exactly once among the parameters is refused when the
query is first built, so a shape the helper cannot carry fails loudly, not wrongly.
No select_related: the model's own columns and annotations only.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field

M = TypeVar("M", bound=models.Model)

# Marker values: unlike any value a request passes, and each kept as it is by the field's
# conversion for the database (so that it can be found among the compiled parameters).
_MARKERS: dict[type[Any], Callable[[int], Any]] = {
    # Within a 32-bit column's range: Django compiles an out-of-range integer lookup to
    # "no rows" (PostgreSQL), and the marker must reach the SQL's parameters.
    int: lambda n: -1_987_654_321 - n,
    str: lambda n: f"\x1fbrobygger-prepared-{n}\x1f",
    datetime.datetime: lambda n: datetime.datetime(
        1901, 2, 3, 4, 5, 6, 700_000 + n, tzinfo=datetime.UTC
    ),
}


def prepared_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor whose statements the server prepares once per connection on PostgreSQL
    (lib/postgres/base.py), for a statement every request runs; the connection's own
    cursor elsewhere (SQLite, where nothing is planned across a round trip)."""
    return getattr(connection, "prepared_cursor", connection.cursor)()


@dataclass(frozen=True)
class _Plan:
    """A query as compiled for one database: what each run needs, nothing to build."""

    sql: str
    params: tuple[Any, ...]
    positions: dict[str, int]  # argument -> its place among the parameters
    model_columns: slice  # the model's columns in a row
    attnames: tuple[str, ...]  # their fields, in that order
    annotations: tuple[tuple[str, int], ...]  # (name, place in a row)
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


class Prepared(Generic[M]):
    """`build(**markers)` returns the queryset; `fields` names, per argument, the model
    field its value is compared with (its conversion for the database is the field's).

        user_by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk),
                              pk=(int, User._meta.pk))
        user = user_by_pk.first(pk=5)

    Rows become instances as Django's ModelIterable makes them: each column through the
    converters Django's compiler gives it, the model's columns into `from_db`, the others
    set as attributes. (Django's RawQuerySet does the same but maps the columns to fields
    anew on every run: 0.1 ms, twice what the query itself costs.)
    """

    def __init__(
        self,
        model: type[M],
        build: Callable[..., models.QuerySet[M]],
        **fields: tuple[type[Any], Field[Any, Any]],
    ) -> None:
        self.model = model
        self.build = build
        self.fields = fields
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def plan(self, connection: BaseDatabaseWrapper) -> _Plan:
        """The query compiled for `connection`'s database, on first use per alias."""
        found = self._plans.get(connection.alias)
        if found is not None:
            return found
        with self._lock:
            if connection.alias not in self._plans:
                self._plans[connection.alias] = self._compile(connection)
        return self._plans[connection.alias]

    def _compile(self, connection: BaseDatabaseWrapper) -> _Plan:
        markers = {
            name: _MARKERS[kind](index)
            for index, (name, (kind, _field)) in enumerate(self.fields.items())
        }
        queryset = self.build(**markers)
        if queryset.model is not self.model or queryset.query.values_select:
            raise ValueError(f"{self.model._meta.label}: prepare a queryset of its instances")
        compiler = queryset.query.get_compiler(using=connection.alias)
        sql, params = compiler.as_sql()
        positions: dict[str, int] = {}
        for name, (_kind, field) in self.fields.items():
            adapted = field.get_db_prep_value(markers[name], connection, prepared=False)
            places = [index for index, value in enumerate(params) if value == adapted]
            if len(places) != 1:
                raise ValueError(
                    f"{self.model._meta.label}: the value of {name!r} is in the compiled "
                    f"query {len(places)} times, not once; this query cannot be prepared"
                )
            positions[name] = places[0]
        klass_info = compiler.klass_info
        if klass_info is None or klass_info.get("related_klass_infos"):
            raise ValueError(f"{self.model._meta.label}: select_related cannot be prepared")
        columns = klass_info["select_fields"]
        model_columns = slice(columns[0], columns[-1] + 1)
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        return _Plan(
            sql=sql,
            params=tuple(params),
            positions=positions,
            model_columns=model_columns,
            attnames=tuple(
                column.target.attname for column, _sql, _alias in compiler.select[model_columns]
            ),
            annotations=tuple(compiler.annotation_col_map.items()),
            converters=tuple(
                (place, tuple(functions), expression)
                for place, (functions, expression) in converters.items()
            ),
        )

    def all(self, *, using: str | None = None, **values: Any) -> list[M]:
        """The rows for these values, as instances of the model (annotations set on them),
        from the model's database for reading unless `using` names one."""
        if set(values) != set(self.fields):
            raise TypeError(f"expected the values {sorted(self.fields)}, got {sorted(values)}")
        alias = using or router.db_for_read(self.model)
        connection = connections[alias]
        plan = self.plan(connection)
        params = list(plan.params)
        for name, position in plan.positions.items():
            kind, field = self.fields[name]
            value = values[name]
            if not isinstance(value, kind):
                # None would need IS NULL, another type another conversion: not this SQL.
                raise TypeError(f"{name} must be a {kind.__name__}, not {value!r}")
            params[position] = field.get_db_prep_value(value, connection, prepared=False)
        with prepared_cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found = []
        for fetched in rows:
            row = list(fetched)
            for place, functions, expression in plan.converters:
                value = row[place]
                for function in functions:
                    value = function(value, expression, connection)
                row[place] = value
            instance = self.model.from_db(alias, plan.attnames, row[plan.model_columns])
            for name, place in plan.annotations:
                setattr(instance, name, row[place])
            found.append(instance)
        return found

    def first(self, *, using: str | None = None, **values: Any) -> M | None:
        rows = self.all(using=using, **values)
        return rows[0] if rows else None
