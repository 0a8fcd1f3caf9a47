"""The fast report queries (issue 19) give exactly the figures of the previous, plain
computation (reference.py) on the demo programme, for every kind of reader and scope."""

from __future__ import annotations

import dataclasses
import datetime
import math
from typing import Any

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone, translation

from brobygger.accounts.models import Unit, User
from brobygger.referrals.models import Course, SupportModel
from brobygger.reports import figures
from brobygger.reports.published import publish
from brobygger.reports.scope import Scope, build_scope

from . import reference


def differences(fast: Any, slow: Any, path: str = "") -> list[str]:
    """Where two results differ: counts and texts exactly, sums of floats to 1e-9 (the
    database may add them up in another order)."""
    if dataclasses.is_dataclass(fast) and not isinstance(fast, type):
        if type(fast) is not type(slow):
            return [f"{path}: {type(fast).__name__} != {type(slow).__name__}"]
        return [
            d
            for f in dataclasses.fields(fast)
            for d in differences(getattr(fast, f.name), getattr(slow, f.name), f"{path}.{f.name}")
        ]
    if isinstance(fast, dict) and isinstance(slow, dict):
        if set(fast) != set(slow):
            return [f"{path}: keys {sorted(map(str, fast))} != {sorted(map(str, slow))}"]
        return [d for k in fast for d in differences(fast[k], slow[k], f"{path}[{k!r}]")]
    if isinstance(fast, list | tuple) and isinstance(slow, list | tuple):
        if len(fast) != len(slow):
            return [f"{path}: {len(fast)} items != {len(slow)}"]
        pairs = enumerate(zip(fast, slow, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(fast, float) and isinstance(slow, float):
        return (
            []
            if math.isclose(fast, slow, rel_tol=1e-9, abs_tol=1e-9)
            else [f"{path}: {fast} != {slow}"]
        )
    return [] if fast == slow and type(fast) is type(slow) else [f"{path}: {fast!r} != {slow!r}"]


class FastFiguresMatchTheReferenceTests(TestCase):
    scopes: dict[str, Scope]

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", "--seed", "1", verbosity=0)
        today = timezone.localdate()
        year = (datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
        evaluator = User.objects.get(username="evaluator")
        coordinator = User.objects.get(username="koordinator")
        units = Unit.objects.order_by("pk")
        busiest = Course.objects.values("unit").order_by("unit").first()
        one = units.get(pk=busiest["unit"]) if busiest and busiest["unit"] else units.first()
        every = tuple(SupportModel.values)

        def scope(user: User, start: datetime.date, end: datetime.date, **kw: Any) -> Scope:
            return build_scope(
                user,
                date_from=start,
                date_to=end,
                today=today,
                models=kw.get("models", every),
                unit=kw.get("unit"),
                units=units,
            )

        cls.scopes = {
            "evaluator, the year": scope(evaluator, *year),
            "coordinator, the year": scope(coordinator, *year),
            "one unit, the year": scope(evaluator, *year, unit=one),
            "two models": scope(
                evaluator, *year, models=(SupportModel.INDIVIDUAL, SupportModel.RELATIVE)
            ),
            "the last 90 days": scope(coordinator, today - datetime.timedelta(days=90), today),
            "a period into the future": scope(
                evaluator, today - datetime.timedelta(days=30), today + datetime.timedelta(days=60)
            ),
            "two years": scope(evaluator, datetime.date(today.year - 1, 1, 1), year[1]),
        }

    def test_the_demo_has_figures_to_compare(self) -> None:
        # Comparing empty figures would prove nothing.
        computed = figures.compute(self.scopes["evaluator, the year"], funder=True)
        assert computed.outcomes is not None
        self.assertGreater(computed.outcomes.by_model["all"].change.n, 20)
        self.assertGreater(computed.recipients["all"].courses, 50)

    def test_raw_figures_are_the_reference_figures(self) -> None:
        for name, scope in self.scopes.items():
            with self.subTest(scope=name):
                fast = figures.compute(scope, funder=True)
                slow = reference.compute(scope, funder=True)
                self.assertEqual(differences(fast, slow), [])

    def test_published_figures_are_identical_for_every_reader(self) -> None:
        for name, scope in self.scopes.items():
            fast = figures.compute(scope, funder=True)
            slow = reference.compute(scope, funder=True)
            for suppress in (True, False):
                for language in ("da", "en"):
                    with self.subTest(scope=name, suppress=suppress, language=language):
                        with translation.override(language):
                            shown = publish(fast, suppress=suppress, with_peer_names=not suppress)
                            expected = publish(
                                slow, suppress=suppress, with_peer_names=not suppress
                            )
                        self.assertEqual(differences(shown, expected), [])
