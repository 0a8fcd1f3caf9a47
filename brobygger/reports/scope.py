"""What a report covers: the period, the units the reader may see and the support models."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from brobygger.accounts.models import Role, Unit
from brobygger.lib.dates import day_start
from brobygger.referrals.models import Course, SupportModel


@dataclass(frozen=True)
class Scope:
    date_from: datetime.date
    date_to: datetime.date
    today: datetime.date
    models: tuple[str, ...]
    # None: every unit (an evaluator who chose none); otherwise these units only.
    unit_ids: tuple[int, ...] | None
    # Coordinators also see what has no unit yet (self-referrals), as on their other pages.
    include_no_unit: bool
    unit_label: str

    @property
    def start(self) -> datetime.datetime:
        """The period's first moment, in Copenhagen."""
        return day_start(self.date_from)

    @property
    def end(self) -> datetime.datetime:
        """The moment after the period's last day (exclusive), in Copenhagen."""
        return day_start(self.date_to + datetime.timedelta(days=1))

    @property
    def until(self) -> datetime.date:
        """The last day that has happened: the period's end, or today if that is earlier."""
        return min(self.date_to, self.today)

    @property
    def all_models(self) -> bool:
        return set(self.models) == set(SupportModel.values)

    def model_choices(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in SupportModel.choices if key in self.models]

    def unit_q(self, field: str) -> Q:
        """The unit condition on `field` (a foreign key to Unit)."""
        if self.unit_ids is None:
            return Q()
        condition = Q(**{f"{field}__in": self.unit_ids})
        if self.include_no_unit:
            condition |= Q(**{f"{field}__isnull": True})
        return condition

    def as_json(self) -> dict[str, Any]:
        """The scope as JSON values, for a task's arguments (`from_json` reads it back)."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "today": self.today.isoformat(),
            "models": list(self.models),
            "unit_ids": None if self.unit_ids is None else list(self.unit_ids),
            "include_no_unit": self.include_no_unit,
            "unit_label": self.unit_label,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        units = data["unit_ids"]
        return cls(
            date_from=datetime.date.fromisoformat(data["date_from"]),
            date_to=datetime.date.fromisoformat(data["date_to"]),
            today=datetime.date.fromisoformat(data["today"]),
            models=tuple(data["models"]),
            unit_ids=None if units is None else tuple(int(pk) for pk in units),
            include_no_unit=bool(data["include_no_unit"]),
            unit_label=str(data["unit_label"]),
        )

    def courses(self) -> QuerySet[Course]:
        """Courses of the chosen models and units that ran at some time in the period."""
        return Course.objects.filter(
            self.unit_q("unit"),
            Q(ended_on__isnull=True) | Q(ended_on__gte=self.date_from),
            started_on__lte=self.date_to,
            support_model__in=self.models,
        )


def build_scope(
    user: Any,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date,
    models: tuple[str, ...],
    unit: Unit | None,
    units: QuerySet[Unit],
) -> Scope:
    """Coordinators see their own units only; evaluators the whole programme.

    `units` are the units the form offered the user, so a chosen unit is one of them.
    """
    coordinator = getattr(user, "role", None) == Role.COORDINATOR
    if unit is not None:
        unit_ids: tuple[int, ...] | None = (unit.pk,)
        label = str(unit)
        no_unit = False
    elif coordinator:
        unit_ids = tuple(units.values_list("pk", flat=True))
        label = ""
        no_unit = True
    else:
        unit_ids, label, no_unit = None, "", False
    return Scope(
        date_from=date_from,
        date_to=date_to,
        today=today,
        models=models,
        unit_ids=unit_ids,
        include_no_unit=no_unit,
        unit_label=label,
    )
