"""Who may see and write which conversation note; the courses and appointments come
through their own apps' doors, which 404 and record the look. Topics are programme data
(no personal data): coordinators edit them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from brobygger.accounts import policy
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.referrals import access as referral_access
from brobygger.referrals.models import Course
from brobygger.scheduling import access as scheduling_access
from brobygger.scheduling.models import Appointment

from . import selectors
from .models import Topic


def appointment_to_note(user: Any, pk: int) -> Appointment:
    """The conversation whose note the user may write or change: their course's peer, or
    a coordinator. The page shows the person and the note: a look at them."""
    appointment = scheduling_access.get_appointment_for(user, pk)
    if not referral_access.can_edit_course(user, appointment.course):
        raise Http404
    return appointment


def course_for_guide(user: Any, pk: int) -> tuple[Course, bool]:
    """The course's discharge guide, and whether the user may change it now."""
    course = referral_access.get_course_for(user, pk)
    can_edit = referral_access.can_edit_course(user, course) and not course.ended_on
    return course, can_edit


def course_to_print(user: Any, pk: int) -> Course:
    """The person's copy of their notes: logged as a printout, not a view."""
    return referral_access.get_course_for(user, pk, action=AccessAction.PRINT)


def course_to_follow_up(user: Any, pk: int) -> Course:
    """A running course whose follow-up calls the user may book."""
    course = referral_access.get_course_for(user, pk)
    if not referral_access.can_edit_course(user, course) or course.ended_on:
        raise Http404
    return course


def all_topics() -> QuerySet[Topic]:
    return Topic.objects.order_by("audience", "order", "pk")


def get_topic(pk: int) -> Topic:
    topic = Topic.objects.filter(pk=pk).first()
    if topic is None:
        raise Http404
    return topic


def unique_topic_key(base: str) -> str:
    key, n = base[:45], 2
    while Topic.objects.filter(key=key).exists():
        key, n = f"{base[:42]}-{n}", n + 1
    return key


def course_page_for(user: Any, course: Course) -> dict[str, Any]:
    """What the course page shows beside the course (selectors.course_page); every other
    person it names (consent recipients, relatives, shared patients) is logged."""
    page = selectors.course_page(course, user=user)
    others = list(page["shown_recipients"])
    others += [link.relative_id for link in page["relatives"]]
    others += [shared["patient"].pk for shared in page["shared_patients"]]
    purpose = policy.purpose_for(user, glass=policy.through_glass(course))
    shown(user=user, purpose=purpose, person_ids=others, obj=course)
    return page
