"""Reads for the referral queue and course pages: constant query counts."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts import policy
from brobygger.accounts.models import Unit
from brobygger.audit.models import AuditEvent
from brobygger.people.models import (
    Consent,
    PeerPause,
    PeerWorker,
    Person,
    PersonCorrection,
    ProcessingStop,
    RelativeLink,
)

from .models import OPEN_STATUSES, Course, Referral, ReferralStatus, RelativePlan
from .services import PEER_KINDS_FOR, allowed_transitions

QUEUE_ROW_FIELDS = (
    "received_at",
    "status",
    "source",
    "possible_duplicate_id",
    "person__given_name",
    "person__family_name",
    "person__kind",
    "unit__name",
    "peer__user__first_name",
    "peer__user__last_name",
    "peer__user__username",
)


def queue_filter(
    *, status: str = "", unit: Any = None, kind: str = "", waiting_days: int | None = None
) -> Q:
    """The referrals the queue's filters let through (of those the user may see): for
    `queue` and `queue_counts`, which must agree (the cutoff of `waiting_days` too)."""
    if status == "all":
        wanted = Q()
    elif status:
        wanted = Q(status=status)
    else:
        wanted = Q(status__in=OPEN_STATUSES)
    if unit is not None:
        wanted &= Q(unit=unit)
    if kind:
        wanted &= Q(person__kind=kind)
    if waiting_days:
        wanted &= Q(received_at__lt=timezone.now() - datetime.timedelta(days=waiting_days))
    return wanted


def queue(user: Any, wanted: Q) -> QuerySet[Referral]:
    """The queue's referrals (`wanted`: `queue_filter`), oldest first."""
    # Only what a row of the queue shows (templates/referrals/queue.html#queue_row).
    return (
        Referral.objects.visible_to(user)
        .filter(wanted)
        .select_related("person", "unit", "peer__user")
        .only(*QUEUE_ROW_FIELDS)
        .order_by("received_at", "id")
    )


def _status_list(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"status": s, "label": label, "count": counts.get(s, 0)}
        for s, label in ReferralStatus.choices
    ]


def status_counts(user: Any) -> list[dict[str, Any]]:
    counts = dict(
        Referral.objects.visible_to(user)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return _status_list(counts)


def queue_counts(user: Any, wanted: Q) -> tuple[list[dict[str, Any]], int]:
    """The counts above the queue (`status_counts`) and the number of referrals `wanted`
    lets through (the pager's count), in one query instead of two (issue 19)."""
    # Grouped by status as `status_counts`, with the wanted ones counted in each group:
    # faster in SQLite than a FILTER per status (issue 19).
    rows = list(
        Referral.objects.visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"), matching=Count("pk", filter=wanted))
    )
    counts = {status: n for status, n, _matching in rows}
    return _status_list(counts), sum(matching for _status, _n, matching in rows)


def compatible_peers(referral: Referral) -> QuerySet[PeerWorker]:
    """Peers of the right kind who can take a new course (not on pause today, not leaving),
    with their caseload; the matching issue adds ranking."""
    kinds = PEER_KINDS_FOR[referral.person.kind]  # type: ignore[index]
    paused = PeerPause.objects.on(timezone.localdate()).values("peer_id")
    return (
        PeerWorker.objects.active()
        .filter(kind__in=kinds, departure__isnull=True)
        .exclude(pk__in=paused)
        .select_related("user")
        .annotate(caseload=Count("courses", filter=Q(courses__ended_on__isnull=True)))
        .order_by("caseload", "user__first_name")
    )


def referral_page(referral: Referral) -> dict[str, Any]:
    events = (
        AuditEvent.objects.filter(object_type="referrals.referral", object_id=referral.pk)
        .select_related("actor")
        .order_by("seq")
    )
    history = [
        {
            "at": e.happened_at,
            "actor": e.actor.display_name if e.actor else "",
            "label": ReferralStatus(e.data["to"]).label
            if e.verb == "referral.status"
            else _("Received"),
        }
        for e in events
    ]
    return {
        "history": history,
        "allowed": sorted(allowed_transitions(referral)),
        "wanted_tags": list(referral.wanted_tags.all()),
        "consents": Consent.objects.filter(person_id=referral.person_id).order_by("-given_at"),
        # The peers' "no" to proposed matches, with their reasons (matching.MatchDecline).
        "declines": referral.declines.select_related("peer__user").order_by("-declined_at"),
    }


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The referrals and courses of one person, as plain data (GDPR art. 15). A referral's
    pointer to a possible duplicate names another person: it is left out."""
    from brobygger.lib.export import rows

    return {
        "referrals.Referral": rows(
            Referral.objects.filter(person=person)
            .select_related("person", "referred_by", "unit", "peer__user")
            .prefetch_related("wanted_tags"),
            drop=("possible_duplicate",),
        ),
        "referrals.Course": rows(
            Course.objects.filter(person=person).select_related(
                "person", "peer__user", "unit", "referral"
            )
        ),
        "referrals.RelativePlan": rows(
            RelativePlan.objects.filter(course__person=person).select_related("written_by")
        ),
    }


# The person pages (people:person_list, people:person_detail): a person with their courses.


def person_list(
    user: Any, *, kind: str = "", unit: Unit | None = None, text: str = ""
) -> QuerySet[Person]:
    # Only what a row of the list shows (templates/referrals/person_list.html).
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
