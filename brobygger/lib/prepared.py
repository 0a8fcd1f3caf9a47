"""A query every request runs, compiled to SQL once per process (issue 19).

Each signed-in request loads its session and its user. Django builds and compiles those
querysets anew every time: the user's query, with the subqueries read alongside it
(accounts/backends.py), cost about 0.8 ms of a 2 ms page to build and compile, and
0.09 ms to run. `Prepared` builds such a queryset once per database, with a marker
value in each place a request's own value goes, keeps the SQL Django compiled and the
positions of the markers among its parameters, and then runs that SQL with the request's
values in those positions, the rows made into instances by Django's own RawQuerySet.

Only for a query whose shape does not depend on its values (a key, a time): a value
that changes the SQL itself (a list for `__in`, None for `IS NULL`) must stay in the
ORM. A marker that is not found exactly once among the parameters is refused when the
query is first built, so a shape the helper cannot carry fails loudly, not wrongly.
Model fields come back converted as the ORM converts them; other selected columns
(annotations) as the driver returns them, so keep those to numbers and keys.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Mapping
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


class Prepared(Generic[M]):
    """`build(**markers)` returns the queryset; `fields` names, per argument, the model
    field its value is compared with (its conversion for the database is the field's).

        user_by_pk = Prepared(User, lambda pk: User.objects.filter(pk=pk),
                              pk=(int, User._meta.pk))
        user = user_by_pk.first(pk=5)
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
        self._compiled: dict[str, tuple[str, list[Any], dict[str, int]]] = {}
        self._lock = threading.Lock()

    def compiled(self, connection: BaseDatabaseWrapper) -> tuple[str, list[Any], dict[str, int]]:
        """The SQL, its parameters as compiled, and each argument's position among them;
        built on first use per database alias."""
        found = self._compiled.get(connection.alias)
        if found is not None:
            return found
        with self._lock:
            if connection.alias not in self._compiled:
                self._compiled[connection.alias] = self._compile(connection)
        return self._compiled[connection.alias]

    def _compile(self, connection: BaseDatabaseWrapper) -> tuple[str, list[Any], dict[str, int]]:
        markers = {
            name: _MARKERS[kind](index)
            for index, (name, (kind, _field)) in enumerate(self.fields.items())
        }
        queryset = self.build(**markers)
        sql, params = queryset.query.get_compiler(using=connection.alias).as_sql()
        params = list(params)
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
        return sql, params, positions

    def params(
        self, connection: BaseDatabaseWrapper, values: Mapping[str, Any]
    ) -> tuple[str, list[Any]]:
        sql, compiled, positions = self.compiled(connection)
        params = list(compiled)
        for name, position in positions.items():
            _kind, field = self.fields[name]
            params[position] = field.get_db_prep_value(values[name], connection, prepared=False)
        return sql, params

    def all(self, *, using: str | None = None, **values: Any) -> list[M]:
        """The rows for these values, as instances of the model (annotations set on them),
        from the model's database for reading unless `using` names one."""
        if set(values) != set(self.fields):
            raise TypeError(f"expected the values {sorted(self.fields)}, got {sorted(values)}")
        alias = using or router.db_for_read(self.model)
        sql, params = self.params(connections[alias], values)
        return list(self.model._default_manager.db_manager(alias).raw(sql, params))

    def first(self, *, using: str | None = None, **values: Any) -> M | None:
        rows = self.all(using=using, **values)
        return rows[0] if rows else None
