"""Twenty sign-ups for an eight-place group at the same moment: exactly eight get a place.

Each thread calls the service on its own database connection. On PostgreSQL the row
lock on the group serialises the counting; SQLite serialises writers with immediate
transactions (on the shared in-memory test database, when threads can reach it).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from brobygger.accounts.models import Role
from brobygger.groups import services
from brobygger.groups.models import Enrolment, EnrolmentStatus
from brobygger.people.models import Person
from brobygger.testing import make_peer, make_person, make_unit, make_user

ATTEMPTS, CAPACITY = 20, 8


def _writers_can_wait_for_each_other() -> bool:
    """In-memory SQLite is shared between threads through its shared cache, where a
    busy writer makes the others fail at once ("table is locked") instead of waiting."""
    in_memory = getattr(connection, "is_in_memory_db", lambda: False)()
    return not (connection.vendor == "sqlite" and in_memory)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_enrolments_fill_eight_places_and_queue_twelve():
    if not _writers_can_wait_for_each_other():
        pytest.skip("in-memory SQLite cannot queue writers from several threads")
    unit = make_unit()
    coordinator = make_user("samtidig", Role.COORDINATOR, units=(unit,))
    group = services.create_group(
        actor=coordinator,
        title="Recovery-gruppe",
        place="Grupperummet",
        capacity=CAPACITY,
        facilitators=[make_peer("gruppepeer", units=(unit,))],
        unit=unit,
    )
    person_ids = [make_person(f"P{i}", unit=unit).pk for i in range(ATTEMPTS)]
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(person_id: int) -> str:
        try:
            person = Person.objects.get(pk=person_id)
            barrier.wait(timeout=30)
            return services.enrol(actor=coordinator, group=group, person=person).status
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            statuses = list(pool.map(attempt, person_ids))
    finally:
        connections.close_all()

    assert statuses.count(EnrolmentStatus.ENROLLED) == CAPACITY, statuses
    assert statuses.count(EnrolmentStatus.WAITING) == ATTEMPTS - CAPACITY, statuses
    rows = Enrolment.objects.filter(group=group)
    assert rows.enrolled().count() == CAPACITY
    positions = list(rows.waiting().values_list("position", flat=True))
    assert positions == list(range(1, ATTEMPTS - CAPACITY + 1))
