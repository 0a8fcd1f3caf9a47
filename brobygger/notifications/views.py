from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brobygger.accounts.access import any_staff

from . import access, services


@any_staff
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("vis") == "ulaeste"
    page, rows = access.inbox_for(
        request.user, page=request.GET.get("side"), unread_only=unread_only
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "rows": rows, "unread_only": unread_only},
    )


@any_staff
@require_POST
def read_one(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open`, go on to its link (if it may still be followed)."""
    notification = access.get_notification_for(request.user, pk)
    services.mark_read(notification, user=request.user)
    if request.POST.get("open"):
        link = access.followable_links(request.user, [notification]).get(notification.pk, "")
        if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
            return redirect(link)
    return redirect(_back(request))


@any_staff
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Back to the inbox, keeping its filter and page (only those two, only our own)."""
    inbox_url = reverse("notifications:inbox")
    target = request.POST.get("next", "")
    if target.startswith(inbox_url) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return inbox_url
