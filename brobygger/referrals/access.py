"""Who may see and act on which referral and course. Fetchers 404 and log the look."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Role, Unit
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib.paging import page_of
from brobygger.people.models import Consent, Person, ProcessingStop, RelativeLink

from . import selectors
from .models import Course, Referral


def _purpose(user: Any) -> str:
    return policy.purpose_for(user)


def get_referral_for(user: Any, pk: int, *, action: str = AccessAction.VIEW) -> Referral:
    """Coordinators: referrals of their units (and those with no unit); clinicians: their own."""
    referral = (
        Referral.objects.visible_to(user)
        .select_related("person", "unit", "peer__user", "referred_by", "possible_duplicate")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    # The coordinator's page names the person a new referral may duplicate.
    duplicate = referral.possible_duplicate_id if policy.is_coordinator(user) else None
    shown(
        user=user,
        action=action,
        purpose=_purpose(user),
        person_id=referral.person_id,
        person_ids=[duplicate],
        obj=referral,
    )
    return referral


def referral_queue_page_for(
    user: Any,
    *,
    wanted: Q,
    count: int,
    criterion: str,
    page_number: Any = None,
    per_page: int = 50,
) -> Page[Referral]:
    """One page of the coordinator's queue (selectors.queue applies the scope; `wanted`
    and its `count` from selectors.queue_filter and queue_counts). The filter and the
    persons on the page are logged: the persons rendered, not the queue."""
    referrals = selectors.queue(user, wanted)
    page = page_of(referrals, page_number, per_page=per_page, count=count)
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=criterion,
        person_ids=[r.person_id for r in page.object_list],
    )
    return page


def can_manage_referral(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def get_course_for(
    user: Any, pk: int, *, action: str = AccessAction.VIEW, glass: bool = False
) -> Course:
    """A peer sees only their own courses; a coordinator those of their units.

    `glass` (the course page only): a course of a person of the user's break-the-glass
    grant too, read only (`policy.through_glass`), logged with the purpose BREAK_GLASS.
    """
    courses = Course.objects.visible_to(user, glass=glass).select_related(
        "person", "peer__user", "unit", "referral"
    )
    if glass:
        in_purpose = ExpressionWrapper(policy.course_q(user), output_field=BooleanField())
        courses = courses.annotate(in_purpose=in_purpose)
    course = courses.filter(pk=pk).first()
    if course is None:
        raise Http404
    purpose = policy.purpose_for(user, glass=policy.through_glass(course))
    shown(user=user, action=action, purpose=purpose, person_id=course.person_id, obj=course)
    return course


def relative_plans_for(user: Any, course: Course) -> list[Any]:
    """Every version of the plan agreed with the relative, newest first; 404 for a course
    that is not a relative's. Call after `get_course_for` (which logged the look): the
    plan names no one but the relative."""
    if course.person.kind != "relative":
        raise Http404
    return list(course.relative_plans.select_related("written_by").order_by("-version"))


def consent_recipients_for(user: Any, person: Person) -> QuerySet[Person]:
    """The relatives a consent to share may name: those linked to the patient whose
    link the policy lets `user` see (accounts/policy.py). Listed in the form: logged."""
    links = RelativeLink.objects.visible_to(user).filter(patient=person)
    relatives = Person.objects.filter(pk__in=links.values("relative")).order_by("given_name")
    shown(
        user=user,
        purpose=_purpose(user),
        person_ids=relatives.values_list("pk", flat=True),
        obj=person,
    )
    return relatives


def can_edit_course(user: Any, course: Course) -> bool:
    """A course opened by breaking the glass is read only."""
    if policy.through_glass(course):
        return False
    role = getattr(user, "role", None)
    if role == Role.COORDINATOR:
        return True
    return role in (Role.PEER_WORKER, Role.RELATIVE_PEER) and course.peer.user_id == user.pk


def get_consent_for(user: Any, pk: int) -> Consent:
    """Consents are managed by the coordinator, for persons of their units."""
    from brobygger.people.models import Person

    if getattr(user, "role", None) != Role.COORDINATOR:
        raise Http404
    consent = (
        Consent.objects.filter(pk=pk, person__in=Person.objects.visible_to(user))
        .select_related("person")
        .first()
    )
    if consent is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.CHANGE,
        purpose=Purpose.COORDINATION,
        person_id=consent.person_id,
        obj=consent,
    )
    return consent


def current_stop_for(user: Any, person_pk: int, kind: str) -> tuple[Person, ProcessingStop]:
    """The person and their current stop of `kind`, for the page that lifts it; 404 when
    there is none or the person is out of `user`'s scope."""
    from brobygger.people import access as people_access

    person = people_access.get_person_for(user, person_pk, purpose=Purpose.COORDINATION)
    stop = ProcessingStop.objects.current().filter(person=person, kind=kind).first()
    if stop is None:
        raise Http404
    return person, stop


# The person pages (people:person_list, people:person_detail, referrals/person_views.py).


def person_page_for(user: Any, person: Person) -> dict[str, Any]:
    """What the person page shows beside the person (selectors.person_page: the courses, links
    and consents the policy lets `user` see); every other person it names is logged
    with the page's look at `person`."""
    glass = policy.through_glass(person)
    page = selectors.person_page(person, user, glass=glass)
    others = [link.relative_id for link in page["relatives"]]
    others += [link.patient_id for link in page["patients"]]
    if page["consents"] is not None:
        page["consents"] = list(page["consents"])
        others += [c.recipient_id for c in page["consents"] if c.recipient_id is not None]
    shown(user=user, purpose=policy.purpose_for(user, glass=glass), person_ids=others, obj=person)
    return page


def person_list_page_for(
    user: Any,
    *,
    kind: str = "",
    unit: Unit | None = None,
    text: str = "",
    page_number: Any = None,
    per_page: int = 50,
) -> Page[Person]:
    """One page of the persons `user` may see (and the search, if any). The criterion
    and the persons on the page are logged: the persons rendered, not the whole list."""
    people = selectors.person_list(user, kind=kind, unit=unit, text=text)
    page = page_of(people, page_number, per_page=per_page)
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"kind={kind};unit={unit.pk if unit else ''};text={text}",
        person_ids=[p.pk for p in page.object_list],
    )
    return page
