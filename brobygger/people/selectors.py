"""Reads for the people pages: constant query counts whatever the data size."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from brobygger.accounts import policy
from brobygger.accounts.models import Role, Unit
from brobygger.lib.dates import local_datetime

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


def person_list(
    user: Any, *, kind: str = "", unit: Unit | None = None, text: str = ""
) -> QuerySet[Person]:
    # Only what a row of the list shows (templates/people/person_list.html).
    people = (
        Person.objects.visible_to(user)
        .select_related("unit")
        .only("given_name", "family_name", "kind", "unit__name")
    )
    if kind:
        people = people.filter(kind=kind)
    if unit is not None:
        people = people.filter(unit=unit)
    if text:
        people = people.search(text)
    from brobygger.referrals.models import Course

    # A count per row in a subquery, not a join with GROUP BY over every visible person:
    # the database walks the name index and counts only for the page's rows (issue 19).
    active = (
        Course.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return people.annotate(
        active_courses=Coalesce(Subquery(active, output_field=IntegerField()), 0)
    ).order_by("family_name", "given_name", "id")


def person_page(person: Person, user: Any, *, glass: bool = False) -> dict[str, Any]:
    """What the person page shows beside the person: links, consents and courses, each
    as far as the user's role needs it (accounts/policy.py). `glass`: the page was opened
    by breaking the glass, so the person's courses open (read only) too."""
    from brobygger.referrals.models import Course

    fields = policy.person_fields(user)
    # Every course of the person, each with whether the user may open it, in one query.
    courses = list(
        Course.objects.filter(person=person)
        .select_related("peer__user")
        .annotate(
            may_open=ExpressionWrapper(
                policy.course_q(user, glass=glass), output_field=BooleanField()
            )
        )
        .order_by("-started_on")
    )
    visible = {course.pk for course in courses if getattr(course, "may_open", False)}
    # The links on both sides of the person (as a patient, as a relative) in one query.
    links = list(
        RelativeLink.objects.visible_to(user)
        .filter(Q(patient=person) | Q(relative=person))
        .select_related("relative", "patient")
        .order_by("pk")
    )
    relatives = [link for link in links if link.patient_id == person.pk]
    patients = [link for link in links if link.relative_id == person.pk]
    others = [link.relative_id for link in relatives] + [link.patient_id for link in patients]
    person_links = (
        set(Person.objects.visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
        if others
        else set()
    )
    return {
        "fields": fields,
        "course_links": visible,
        "person_links": person_links,
        "consents": (
            Consent.objects.filter(person=person).select_related("recipient")
            if "consents" in fields
            else None
        ),
        "relatives": relatives,
        "patients": patients,
        "courses": courses,
        # The history of corrections: for those who correct (the coordinator).
        "corrections": (
            list(PersonCorrection.objects.filter(person=person).select_related("changed_by"))
            if "consents" in fields
            else None
        ),
        # A death, a move or a restriction: the banner at the top of the page.
        "stops": list(ProcessingStop.objects.current().filter(person=person).order_by("on")),
    }


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


def contract_warnings(
    user: Any, *, today: datetime.date | None = None, days: int | None = None
) -> list[dict[str, Any]]:
    """The coordinator's peers whose contract ends within `days` (or has ended), or who
    are leaving, while they still have active courses or booked conversations: soonest
    end first. Three queries whatever the number of peers (one when none is near the end):
    the peers near their end, then their active courses and their booked conversations
    counted per peer (a join of both would multiply one by the other, and a count per peer
    in a subquery makes SQLite walk every booked conversation of the region once per
    peer)."""
    from brobygger.referrals.models import Course
    from brobygger.scheduling.models import Appointment

    today = today or timezone.localdate()
    days = settings.CONTRACT_END_WARNING_DAYS if days is None else days
    horizon = today + datetime.timedelta(days=days)
    since = local_datetime(today, datetime.time())
    near_end = (
        PeerWorker.objects.visible_to(user)
        .active()
        .filter(
            Q(contract_end__lte=horizon)
            | Q(departure__isnull=False, departure__completed_at__isnull=True)
        )
    )
    peers = list(near_end.select_related("user", "departure"))
    if not peers:
        return []
    ids = [peer.pk for peer in peers]
    active = dict(
        Course.objects.filter(peer__in=ids, ended_on__isnull=True)
        .values_list("peer")
        .annotate(n=Count("pk"))
        .values_list("peer", "n")
    )
    booked = dict(
        # The status counted, not filtered: SQLite then walks the (peer, start) index of
        # these peers instead of every booked conversation of the region.
        Appointment.objects.filter(peer__in=ids, starts_at__gte=since)
        .values_list("peer")
        .annotate(n=Count("pk", filter=Q(status="booked")))
        .values_list("peer", "n")
    )
    rows = []
    for peer in peers:
        courses, appointments = active.get(peer.pk, 0), booked.get(peer.pk, 0)
        departure = getattr(peer, "departure", None)
        leaving = departure is not None and not departure.is_completed
        ends = departure.last_day if leaving and departure else peer.contract_end
        if ends is None or not (courses or appointments):
            continue
        rows.append(
            {
                "peer": peer,
                "ends_on": ends,
                "days_left": (ends - today).days,
                "ended": ends < today,
                "leaving": leaving,
                "active_courses": courses,
                "future_appointments": appointments,
            }
        )
    rows.sort(key=lambda row: (row["ends_on"], row["peer"].name))
    return rows


def peer_status(peer: PeerWorker, *, today: datetime.date | None = None) -> dict[str, Any]:
    """What the peer page says about pauses, the contract's end and a departure."""
    from brobygger.referrals.models import Course

    today = today or timezone.localdate()
    pauses = list(PeerPause.objects.not_over(today).filter(peer=peer).order_by("starts_on"))
    departure = PeerDeparture.objects.filter(peer=peer).first()
    active = Course.objects.active().filter(peer=peer).count()
    horizon = today + datetime.timedelta(days=settings.CONTRACT_END_WARNING_DAYS)
    ends = departure.last_day if departure else peer.contract_end
    return {
        "pauses": pauses,
        "paused_now": next((p for p in pauses if p.starts_on <= today), None),
        "departure": departure,
        "active_courses": active,
        "ending_soon": bool(ends and ends <= horizon and active),
        "ends_on": ends,
        "days_left": (ends - today).days if ends else None,
        "today": today,
    }


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
