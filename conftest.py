"""The whole suite runs on a frozen clock (brobygger/testclock.py says which instant).

The clock is frozen when pytest starts, before collection imports any test module, so no
module-level date and no fixture ever sees the wall clock. A test moves it with
`time_machine.travel`, which nests and returns here afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from brobygger.testclock import frozen_instant

_traveller = time_machine.travel(frozen_instant(), tick=False)

# What production hashes with (settings.py); the suite uses a fast hasher instead, since
# Property-based tests draw the same examples on every run (and at every instant of
# `make test-clock`), so a red CI run is reproducible and never a roll of the dice; explore
# further with `pytest --hypothesis-seed=N`.
hypothesis_settings.register_profile("brobygger", derandomize=True)
hypothesis_settings.load_profile("brobygger")

# Argon2 costs about 0.1 s of CPU per password and the cast is made for every test class.
PRODUCTION_HASHERS: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    _traveller.start()
    PRODUCTION_HASHERS[:] = settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *PRODUCTION_HASHERS,
    ]
    # Every test starts the database over, so the audit trail's head (the report cache's
    # key, brobygger/reports/cache.py) repeats between tests; its own tests turn it on.
    settings.REPORT_CACHE_SECONDS = 0
    # The suite's transactions never commit: count changes inside them (pagecache/tracking.py).
    settings.PAGE_CACHE_BUMP_AT_ONCE = True


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings: None) -> Iterator[None]:
    """pytest-django's, and the test databases copied from a migrated template
    (brobygger/testdb.py) while pytest-django sets them up after it."""
    from brobygger.testdb import migrated_from_template

    with migrated_from_template():
        yield


@pytest.fixture(autouse=True)
def _no_kept_pages() -> None:
    """Every test starts with no page kept (pagecache/keep.py): its database starts over."""
    from brobygger.pagecache.keep import forget_all

    forget_all()


def pytest_unconfigure(config: pytest.Config) -> None:
    _traveller.stop()


def pytest_report_header() -> str:
    return f"clock frozen at {frozen_instant().isoformat()}"
