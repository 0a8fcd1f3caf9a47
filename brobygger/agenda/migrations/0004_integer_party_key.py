"""PostgreSQL: the no-overlap rule compares each party as one integer, not as text.

The exclusion constraint of 0001 compared `party` through btree_gist's text operators,
which go through the column's collation on every comparison: a busy row cost about three
times as much to insert as one keyed by an integer (bench/demo_build.py, the calendar).
The rule now keys each row by `kind * 10^15 + id` ("person:12" -> 12, "peer:3" ->
10^15 + 3, "user:7" -> 2 * 10^15 + 7). That key is one-to-one only for the canonical
form the code writes (`agenda.models.person_party` and friends), so a second check
constraint holds every row to exactly that form: a prefix, a colon, and an id without
leading zeros of at most 15 digits. SQLite has neither constraint (see 0001).
"""

from django.db import migrations

NO_OVERLAP = "agenda_busy_no_overlap"
CANONICAL = "agenda_busy_party_canonical"

PARTY_KEY = (
    "((CASE split_part(party, ':', 1) WHEN 'person' THEN 0 WHEN 'peer' THEN 1 ELSE 2 END)"
    "::bigint * 1000000000000000 + split_part(party, ':', 2)::bigint)"
)
SPAN = "tstzrange(starts_at, ends_at, '[)')"

FORWARD = [
    f"ALTER TABLE agenda_busy ADD CONSTRAINT {CANONICAL} "
    "CHECK (party ~ '^(person|peer|user):[1-9][0-9]{0,14}$')",
    f"ALTER TABLE agenda_busy DROP CONSTRAINT {NO_OVERLAP}",
    f"ALTER TABLE agenda_busy ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
    f"({PARTY_KEY} WITH =, {SPAN} WITH &&)",
]
BACKWARD = [
    f"ALTER TABLE agenda_busy DROP CONSTRAINT {NO_OVERLAP}",
    f"ALTER TABLE agenda_busy ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
    f"(party WITH =, {SPAN} WITH &&)",
    f"ALTER TABLE agenda_busy DROP CONSTRAINT {CANONICAL}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("agenda", "0003_covered_indexes"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
