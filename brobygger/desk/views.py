from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brobygger.accounts.access import any_staff

from . import access


@any_staff
def home(request: HttpRequest) -> HttpResponse:
    page = access.home_page_for(request.user)
    return render(request, page.template, page.context)
