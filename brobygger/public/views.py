from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brobygger.accounts.access import public


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html")


@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html")
