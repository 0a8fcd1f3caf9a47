from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib.forms import apply_validation_error

from . import services
from .forms import MappingForm
from .models import GroupMapping


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def mappings(request: HttpRequest) -> HttpResponse:
    """The table that turns the provider's groups into roles and units."""
    form = MappingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_mapping(
                actor=request.user,
                group=form.cleaned_data["group"],
                role=form.cleaned_data["role"],
                unit=form.cleaned_data["unit"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The group was added."))
            return redirect("sso_mappings")
    rows = GroupMapping.objects.select_related("unit").order_by("group", "role", "unit__name")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "rows": rows, "issuer": settings.OIDC_ISSUER}
    return render(request, "sso/mappings.html", context, status=status)


@role_required(Role.ADMINISTRATOR)
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    services.remove_mapping(actor=request.user, mapping=get_object_or_404(GroupMapping, pk=pk))
    messages.success(request, _("The group was removed. Its role is gone at the next sign-in."))
    return redirect("sso_mappings")
