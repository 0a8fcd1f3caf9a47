"""Migration operations of the project's own."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


class DropFieldIndex(migrations.AlterField):
    """`db_index=False` on a field whose own index another index of its table begins
    with (tests/test_indexes.py): the one index is dropped, nothing else is touched.

    Django's AlterField does the same on PostgreSQL, but on SQLite it builds the table
    anew and copies every row: the whole access log, the largest table, to drop one
    index. This drops the index by its name as the database reports it, on every
    database the same way; the way back creates it again.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        column = model._meta.get_field(self.name).column
        declared = {index.name for index in model._meta.indexes}
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        for name, about in sorted(constraints.items()):
            if (
                about["index"]
                and about["columns"] == [column]
                and not about["unique"]
                and not about["primary_key"]
                and name not in declared
            ):
                schema_editor.execute(
                    schema_editor.sql_delete_index
                    % {
                        "table": schema_editor.quote_name(model._meta.db_table),
                        "name": schema_editor.quote_name(name),
                    }
                )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = models.Index(fields=[self.name])
        index.set_name_with_model(model)
        schema_editor.add_index(model, index)

    def describe(self) -> str:
        return f"Drop the index of {self.model_name}.{self.name}, covered by another"
