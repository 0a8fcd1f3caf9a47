"""The JSON API: /api/... with the OpenAPI schema at /api/schema/ (django-ninja).

django-ninja over Django REST framework: the API is small (read referrals, courses and
appointments; create a referral), ninja derives the OpenAPI 3 schema from the same
pydantic types that validate the requests (so schemathesis tests the code against what
it claims), it adds no second settings and serializer layer beside Django's forms, and
it is one dependency with pydantic (which fhir.resources needs anyway).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query
from ninja.errors import AuthenticationError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from brobygger.people.selectors import units_for
from brobygger.referrals.models import Course, Referral, ReferralStatus
from brobygger.scheduling.models import Appointment

from . import access, services
from .auth import IntegrationToken, MissingScope, require, throttles
from .models import Scope
from .schemas import (
    AppointmentOut,
    AppointmentPage,
    CourseOut,
    CoursePage,
    ErrorOut,
    Moment,
    ReferralIn,
    ReferralOut,
    ReferralPage,
)

api = NinjaAPI(
    title="Brobygger API",
    version="1",
    description=(
        "Referrals, courses and appointments of a peer-support programme, for the region's "
        "systems. A token per integration (HTTP Bearer) with scopes; the integration sees "
        "what the account it acts as may see, and every read is in the access log."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url=None,  # the docs page loads scripts from a CDN; the schema is the contract
    auth=IntegrationToken(),
    throttle=throttles(),
)

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
MAX_ID = 2**31 - 1


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in e.get("loc", ())[1:]) or "body",
            "message": str(e.get("msg", "")),
        }
        for e in exc.errors
    ]
    return _error(request, 422, _("The request has invalid values."), errors)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": str(m)} for m in exc.messages]
    return _error(request, 422, _("The referral could not be created."), errors)


class UnknownParameters(Exception):
    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names


def _only(request: HttpRequest, *allowed: str) -> None:
    """Refuse a query parameter the operation does not know: a misspelt filter would
    otherwise be ignored silently, and the integration would read the wrong records."""
    unknown = sorted(set(request.GET) - set(allowed))
    if unknown:
        raise UnknownParameters(unknown)


@api.exception_handler(UnknownParameters)
def _unknown(request: HttpRequest, exc: UnknownParameters) -> HttpResponse:
    errors = [{"field": name, "message": _("Unknown parameter.")} for name in exc.names]
    return _error(request, 422, _("The request has invalid values."), errors)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found, or not one this integration may see."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, _("A valid token is needed (Authorization: Bearer …)."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(MissingScope)
def _forbidden(request: HttpRequest, exc: MissingScope) -> HttpResponse:
    return _error(request, 403, _("The integration lacks the scope %(s)s.") % {"s": exc.scope})


@api.exception_handler(services.KeyReused)
def _conflict(request: HttpRequest, exc: services.KeyReused) -> HttpResponse:
    return _error(
        request, 409, _("The client key was used before for a referral with other content.")
    )


@api.exception_handler(services.KeyForgotten)
def _gone(request: HttpRequest, exc: services.KeyForgotten) -> HttpResponse:
    return _error(
        request,
        410,
        _(
            "The referral made with this client key was erased at the person's request; "
            "it is not made again."
        ),
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429, _("Too many requests. Wait a little and try again."))
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


# --- what goes out ----------------------------------------------------------------------------


def _person(obj: Any) -> dict[str, Any]:
    person = obj.person
    return {"id": person.pk, "given_name": person.given_name, "family_name": person.family_name}


def _referral(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "status": referral.status,
        "source": referral.source,
        "person": _person(referral),
        "unit_id": referral.unit_id,
        "treatment_setting": referral.treatment_setting,
        "expected_discharge": referral.expected_discharge,
        "received_at": referral.received_at,
        "status_changed_at": referral.status_changed_at,
    }


def _course(course: Course) -> dict[str, Any]:
    return {
        "id": course.pk,
        "person": _person(course),
        "referral_id": course.referral_id,
        "unit_id": course.unit_id,
        "peer": {"id": course.peer_id, "name": course.peer.name},
        "support_model": course.support_model,
        "phase": course.phase,
        "started_on": course.started_on,
        "ended_on": course.ended_on,
        "end_reason": course.end_reason,
    }


def _appointment(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "uid": appointment.uid,
        "course_id": appointment.course_id,
        "person_id": appointment.person_id,
        "peer_id": appointment.peer_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "mode": appointment.mode,
        "status": appointment.status,
    }


# --- the endpoints ----------------------------------------------------------------------------


@api.get("/referrals/", response={200: ReferralPage, **ERRORS}, tags=["referrals"])
def referral_list(
    request: HttpRequest,
    status: ReferralStatus | None = None,
    since: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """The referrals the integration's account may see, oldest first; `since`: changed since."""
    _only(request, "status", "since", "limit", "offset")
    user = require(request, Scope.REFERRALS_READ)
    count, rows = access.referrals_for(
        user, status=status or "", since=since, limit=limit, offset=offset
    )
    return {"count": count, "items": [_referral(r) for r in rows]}


@api.get("/referrals/{pk}/", response={200: ReferralOut, **ERRORS}, tags=["referrals"])
def referral_detail(request: HttpRequest, pk: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
    _only(request)
    user = require(request, Scope.REFERRALS_READ)
    return _referral(access.referral_for(user, pk))


@api.post(
    "/referrals/",
    response={200: ReferralOut, 201: ReferralOut, 409: ErrorOut, 410: ErrorOut, **ERRORS},
    tags=["referrals"],
)
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    """A referral from the EPJ. Idempotent by `client_key`: the same request again returns
    the referral made the first time (200); the same key with other content is refused (409);
    a key whose referral was erased at the person's request is refused (410)."""
    _only(request)
    user = require(request, Scope.REFERRALS_WRITE)
    unit = None
    if payload.unit_id is not None:
        unit = units_for(user).filter(pk=payload.unit_id).first()
        if unit is None:
            raise DjangoValidationError({"unit_id": [_("Not one of the account's units.")]})
    data = payload.dict()
    key = data.pop("client_key")
    referral, created = services.create_referral_once(
        integration=request.auth,  # type: ignore[attr-defined]
        key=key,
        payload=data,
        unit=unit,
    )
    if created:  # the creation's own look names the person: one "create" entry
        return 201, _referral(referral)
    return 200, _referral(access.referral_for(user, referral.pk))


@api.get("/courses/", response={200: CoursePage, **ERRORS}, tags=["courses"])
def course_list(
    request: HttpRequest,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    _only(request, "active", "limit", "offset")
    user = require(request, Scope.COURSES_READ)
    count, rows = access.courses_for(user, active=active, limit=limit, offset=offset)
    return {"count": count, "items": [_course(c) for c in rows]}


@api.get("/courses/{pk}/", response={200: CourseOut, **ERRORS}, tags=["courses"])
def course_detail(request: HttpRequest, pk: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
    _only(request)
    user = require(request, Scope.COURSES_READ)
    return _course(access.course_for(user, pk))


@api.get("/appointments/", response={200: AppointmentPage, **ERRORS}, tags=["appointments"])
def appointment_list(
    request: HttpRequest,
    start: Annotated[Moment | None, Query(alias="from")] = None,
    end: Annotated[Moment | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    _only(request, "from", "to", "limit", "offset")
    user = require(request, Scope.APPOINTMENTS_READ)
    count, rows = access.appointments_for(user, start=start, end=end, limit=limit, offset=offset)
    return {"count": count, "items": [_appointment(a) for a in rows]}


@api.get("/appointments/{pk}/", response={200: AppointmentOut, **ERRORS}, tags=["appointments"])
def appointment_detail(request: HttpRequest, pk: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Any:
    _only(request)
    user = require(request, Scope.APPOINTMENTS_READ)
    return _appointment(access.appointment_for(user, pk))
