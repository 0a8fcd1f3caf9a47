"""One rule for every `back`/`next` return address (brobygger/lib/redirects.py)."""

import pytest
from django.test import RequestFactory

from brobygger.lib.redirects import back_to, same_site_path


@pytest.mark.parametrize(
    "value",
    [
        "/personer/",
        "/henvisninger/?status=new&side=2",
        "/onboarding/peer/3/#punkt-4",
    ],
)
def test_a_path_on_this_site_is_followed(value):
    assert same_site_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "forside",  # redirect() would take it for a view name
        "desk:home",
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/personer/\r\nSet-Cookie: x=1",
        ["/personer/"],
    ],
)
def test_anything_else_is_refused(value):
    assert same_site_path(value) is None


def test_within_limits_the_paths():
    assert same_site_path("/henvisninger/5/", within="/henvisninger/") == "/henvisninger/5/"
    assert same_site_path("/personer/5/", within="/henvisninger/") is None


def test_back_to_gives_a_path_for_the_default_url_name():
    request = RequestFactory().post("/x/", {"back": "forside"})
    assert back_to(request, "public:home") == "/"
    request = RequestFactory().post("/x/", {"back": "/personer/?q=1"})
    assert back_to(request, "public:home") == "/personer/?q=1"
    request = RequestFactory().get("/x/", {"next": "/hjem/"})
    assert back_to(request, "", field="next") == "/hjem/"
    assert back_to(RequestFactory().get("/x/"), "") == ""
