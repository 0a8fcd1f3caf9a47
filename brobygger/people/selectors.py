"""Reads for the people pages: constant query counts whatever the data size."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from brobygger.accounts.models import Role, Unit

from .models import (
    Consent,
    PeerDeparture,
    PeerPause,
    PeerWorker,
    Person,
    PersonCorrection,
    ProcessingStop,
    RelativeLink,
)


def units_for(user: Any) -> QuerySet[Unit]:
    if getattr(user, "role", None) in (Role.ADMINISTRATOR, Role.EVALUATOR):
        return Unit.objects.all()
    return Unit.objects.filter(memberships__user=user).order_by("name")


# The peer list's orders: (key in the URL, order_by). Name last as the tie-break, so a
# page never shuffles rows between requests.
PEER_ORDERS: dict[str, tuple[str, ...]] = {
    "name": ("user__first_name", "user__last_name", "pk"),
    "contract_end": ("contract_end", "user__first_name", "user__last_name", "pk"),
    "caseload": ("-caseload", "user__first_name", "user__last_name", "pk"),
}


def peer_list(
    user: Any, *, kind: str = "", unit: Unit | None = None, sort: str = "name"
) -> QuerySet[PeerWorker]:
    """The peers `user` may see, with only the columns the list shows (issue 19: about
    1,400 at scale 100, so the view pages it)."""
    today = timezone.localdate()
    pause_ends = PeerPause.objects.on(today).filter(peer=OuterRef("pk")).values("ends_on")[:1]
    peers = PeerWorker.objects.visible_to(user)
    if kind:
        peers = peers.filter(kind=kind)
    if unit is not None:
        peers = peers.filter(units=unit)
    return (
        peers.select_related("user", "departure")
        .only(
            "kind",
            "hours_min",
            "hours_max",
            "contract_end",
            "education_status",
            "user__first_name",
            "user__last_name",
            "user__username",
            "departure__last_day",
            "departure__completed_at",
        )
        .prefetch_related(
            "experience_tags",
            Prefetch("units", queryset=Unit.objects.only("name").order_by("name")),
        )
        .annotate(
            caseload=Count("courses", filter=Q(courses__ended_on__isnull=True)),
            paused_until=Subquery(pause_ends),
        )
        .order_by(*PEER_ORDERS.get(sort, PEER_ORDERS["name"]))
    )


# -- the peer workforce: pauses, contract ends, departures ------------------------------


def pause_history(peer: PeerWorker) -> QuerySet[PeerPause]:
    return PeerPause.objects.filter(peer=peer).select_related("created_by").order_by("-starts_on")


def own_peer(user: Any) -> PeerWorker | None:
    return PeerWorker.objects.filter(user=user).first()


def departure_of(peer: PeerWorker) -> PeerDeparture | None:
    return PeerDeparture.objects.filter(peer=peer).first()


def export_person(person: Person) -> dict[str, list[dict[str, Any]]]:
    """The people app's records of one person, as plain data (GDPR art. 15; brobygger/rights).

    Never another person's data: a relative link names the relationship, not the person
    at the other end. The one exception is the person's own consent to share, which
    names its recipient: the consent is the person's own decision about that relative.
    """
    from brobygger.lib.export import rows

    from .models import MergedPerson, PersonAccessRequest

    corrections = list(PersonCorrection.objects.filter(person=person).select_related("changed_by"))
    return {
        "people.Person": rows([person]),
        "people.PersonCorrection": [
            row | {"field_text": correction.field_label}
            for correction, row in zip(corrections, rows(corrections), strict=True)
        ],
        "people.Consent": rows(
            Consent.objects.filter(person=person).select_related(
                "person", "recipient", "recorded_by", "withdrawn_by"
            )
        ),
        "people.RelativeLink": rows(
            RelativeLink.objects.filter(relative=person), drop=("relative", "patient")
        )
        + rows(RelativeLink.objects.filter(patient=person), drop=("relative", "patient")),
        "people.MergedPerson": rows(
            MergedPerson.objects.filter(into=person).select_related("merged_by"), drop=("into",)
        ),
        "people.PersonAccessRequest": rows(
            PersonAccessRequest.objects.filter(person=person).select_related(
                "requested_by", "answered_by"
            ),
            drop=("person",),
        ),
        # A death, a move or a restriction recorded for the person, and its lifting.
        "people.ProcessingStop": rows(
            ProcessingStop.objects.filter(person=person).select_related(
                "person", "recorded_by", "lifted_by"
            )
        ),
    }


def merged_ids_of(person: Person) -> list[int]:
    """Ids of records merged into the person: the access log names them too."""
    from .models import MergedPerson

    return list(MergedPerson.objects.filter(into=person).values_list("merged_id", flat=True))


def named_in_others_consents(person: Person) -> int:
    """How many of other persons' consents name `person` as the recipient."""
    return Consent.objects.filter(recipient=person).exclude(person=person).count()
