"""The concern button and flag, and the crisis card link, for the pages of other apps
(course, person, conversation note, the peer's week). Reads go through concerns.access."""

from __future__ import annotations

from typing import Any

from django import template

from brobygger.concerns import access

register = template.Library()


@register.inclusion_tag("concerns/includes/concern_bar.html", takes_context=True)
def concern_bar(context: Any, course: Any = None, person: Any = None) -> dict[str, Any]:
    """On a course: the open flag, "Jeg er bekymret" and the crisis card. On a person:
    the flag and the crisis card."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"show": False}
    if course is not None:
        flags = access.open_flags_for_course(user, course)
        person = course.person
        may_raise = access.may_raise(user, course)
    elif person is not None:
        flags = access.open_flags_for_person(user, person)
        may_raise = False
    else:
        return {"show": False}
    return {
        "show": True,
        "course": course,
        "person": person,
        "flags": flags,
        "may_raise": may_raise,
        "card_link": access.may_open_card(user),
    }
