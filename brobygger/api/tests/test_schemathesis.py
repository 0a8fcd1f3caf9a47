"""The API against its own OpenAPI schema (schemathesis): every operation, with generated
inputs that fit the schema and inputs that break it, over real HTTP to a live server.
Zero failures: no 5xx, and every status code, content type, header and body as the schema
declares (schemathesis' checks)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from brobygger.api import services
from brobygger.api.models import Scope
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

# Conformance to the schema is no matter of the date: run once, not at every clock instant.
pytestmark = [pytest.mark.timeless, pytest.mark.django_db(transaction=True)]

EXAMPLES = 25


@pytest.fixture
def token(transactional_db, settings):
    settings.API_RATE_LIMIT = "1000000/m"  # the run makes many calls under a frozen clock
    unit = make_unit("Afsnit API")
    coordinator = make_user("apicoord", "coordinator", units=(unit,))
    peer = make_peer("apipeer", units=(unit,))
    for name in ("Ada", "Bo"):
        make_course(make_person(name, unit=unit), peer)
    _integration, token = services.create_integration(
        actor=None, name="Schemathesis", user=coordinator, scopes=[s.value for s in Scope]
    )
    return token


# Creating a referral may refuse data the schema allows, by rules a schema cannot state:
# a CPR number of a day that does not exist, a unit that is not the account's, a person who
# may not be referred. For that operation alone a clear 422 is an accepted answer.
BUSINESS_RULES = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)


def _operations(schema: Any) -> list[Any]:
    """The schema's operations; a part of the schema that cannot be read fails the test."""
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_conforms_to_the_schema(live_server, token):
    url = f"{live_server.url}/api/schema/"
    strict = schemathesis.openapi.from_url(url)
    relaxed = schemathesis.openapi.from_url(url, config=BUSINESS_RULES)
    creates = {op.label for op in _operations(relaxed) if op.method == "post"}
    assert creates == {"POST /api/referrals/"}
    base_url = live_server.url
    headers = {"Authorization": f"Bearer {token}"}
    operations = [op for op in _operations(strict) if op.method != "post"]
    operations += [op for op in _operations(relaxed) if op.method == "post"]
    assert len(operations) == 7  # 6 paths, one with GET and POST
    calls = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def conforms(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(base_url=base_url, headers=headers)

            conforms()
    assert calls >= len(operations) * 2  # it really called the API
