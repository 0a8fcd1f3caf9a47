"""The private calendar feed, and the page where a peer makes or revokes its address."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from brobygger.accounts.access import public, role_required
from brobygger.accounts.models import Role

from . import access, feeds


@public  # calendar apps cannot log in; the unguessable token is the key
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = feeds.feed_for_token(token)
    if feed is None:
        # The same answer for unknown and revoked: nobody learns that a token once worked.
        raise Http404
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = feeds.build_calendar(feed.peer, base_url=base_url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # A revoked address must stop working everywhere at once, proxies included.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _feed_urls(request: HttpRequest, token: str) -> tuple[str, str]:
    feed_url = request.build_absolute_uri(reverse("scheduling:calendar_feed", args=[token]))
    # webcal:// makes phones and desktop apps offer to subscribe on a click.
    return feed_url, "webcal://" + feed_url.split("://", 1)[1]


@role_required(Role.PEER_WORKER, Role.RELATIVE_PEER)
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    peer = access.own_peer_profile(request.user)
    feed_url = webcal_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            replaced = feeds.active_feed(peer) is not None
            _feed, token = feeds.create_feed(actor=request.user, peer=peer)
            # Only the token's hash is kept: the address is shown in this answer only,
            # not after a redirect through the session.
            feed_url, webcal_url = _feed_urls(request, token)
            messages.success(
                request,
                _("You have a new calendar address. The old one no longer works.")
                if replaced
                else _("Your calendar address is ready."),
            )
        elif action == "revoke":
            feed = feeds.active_feed(peer)
            if feed is not None:
                feeds.revoke_feed(actor=request.user, feed=feed)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("scheduling:feed_settings")
        else:
            return HttpResponseBadRequest()
    context = {
        "feed": feeds.active_feed(peer),
        "feed_url": feed_url,
        "webcal_url": webcal_url,
        "summary_word": feeds.summary_word(),
    }
    response = render(request, "scheduling/feed_settings.html", context)
    response["Cache-Control"] = "no-store"  # the address must not stay in a cache
    return response
