from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from brobygger.accounts.access import public
from brobygger.people.models import ConsentKind, ConsentSource
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource

from . import ratelimit
from .forms import SelfReferralForm

RECEIPT_SESSION_KEY = "brobygger_self_referral_received"


@public
def home(request: HttpRequest) -> HttpResponse:
    job = {
        "hours_min": settings.PEER_JOB_HOURS_MIN,
        "hours_max": settings.PEER_JOB_HOURS_MAX,
        "agreement": settings.PEER_JOB_PAY_AGREEMENT,
    }
    return render(request, "public/home.html", {"job": job})


@public
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "controller": settings.DATA_CONTROLLER,
        "retention": settings.RETENTION_MONTHS,
        "recruitment_days": settings.RECRUITMENT_RETENTION_DAYS,
    }
    return render(request, "public/privacy.html", context)


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html", {"contact": settings.ACCESSIBILITY_CONTACT})


@public
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def self_referral(request: HttpRequest) -> HttpResponse:
    form = SelfReferralForm(request.POST or None)
    if request.method == "POST" and ratelimit.hit(request, scope="self_referral"):
        # Too many from this address: say so, keep what was typed, store nothing.
        return render(
            request, "public/self_referral.html", {"form": form, "limited": True}, status=429
        )
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            data = form.cleaned_data
            referral_services.create_referral(
                actor=None,
                source=ReferralSource.SELF,
                person_fields={
                    "kind": data["kind"],
                    "given_name": data["given_name"],
                    "family_name": data["family_name"],
                    "phone": data["phone"],
                    "birth_date": data["birth_date"],
                    "email": data["email"],
                    "contact_channel": data["contact_channel"],
                    "contact_times": data["contact_times"],
                    "language": data["language_wish"],
                },
                unit=data["unit"] if data["treatment_setting"] == "inpatient" else None,
                consent_source=ConsentSource.ONLINE,
                consents=(ConsentKind.CONTACT, ConsentKind.STORE_NOTES),
                treatment_setting=data["treatment_setting"],
                reason=data["reason"],
                gender_wish=data["gender_wish"],
                language_wish=data["language_wish"],
                relationship=data["relationship"],
            )
        request.session[RECEIPT_SESSION_KEY] = True
        return redirect("public:self_referral_received")
    status = 422 if request.method == "POST" else 200
    return render(request, "public/self_referral.html", {"form": form}, status=status)


@public
def self_referral_received(request: HttpRequest) -> HttpResponse:
    if not request.session.pop(RECEIPT_SESSION_KEY, False):
        return redirect("public:self_referral")
    return render(request, "public/self_referral_received.html")
