"""The frame's parts rendered once per kind of page (brobygger/accounts/templatetags/frame.py):
the same markup the template engine gives for the same values, escaped; every request's
own values its own; built once per key."""

from __future__ import annotations

import itertools
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from brobygger.accounts.context import frame_assets, frame_text, language_buttons, site_links
from brobygger.accounts.templatetags.frame import skeleton

PARTS = ("frame/assets.html", "frame/header.html", "frame/footer.html")


class _User:
    """What the frame reads of a user."""

    def __init__(self, signed_in: bool, name: str = "", role: str = "") -> None:
        self.is_authenticated = signed_in
        self.display_name = name
        self.role_label = role


def _page_context(language, user, code_step, csrf, unread, path, nav):
    request = RequestFactory().get(path)
    request.user = user
    context = {"request": request, "user": user, "csrf_token": csrf, "nav_menu": nav}
    if unread is not None:
        context["unread_notifications"] = SimpleLazyObject(lambda: unread)
    if code_step:
        context["code_step_pending"] = True
    return Context(context)


def _engine_render(name, language, user, code_step, csrf, unread, path, nav):
    """The part as the template engine renders it node by node for these values."""
    signed_in = user.is_authenticated
    with translation.override(language):
        return get_template(name).render(
            {
                "frame_text": frame_text(language),
                "site_links": site_links(get_script_prefix(), get_urlconf()),
                "frame_assets": frame_assets(
                    settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"]
                ),
                "language_buttons": language_buttons(language),
                "signed_in": signed_in,
                "code_step_pending": code_step,
                "csrf_token": csrf,
                "unread_notifications": unread or "",
                "next_path": RequestFactory().get(path).get_full_path(),
                "display_name": user.display_name if signed_in else "",
                "role_label": user.role_label if signed_in else "",
                "nav_menu": nav,
            }
        )


def _frame_render(name, language, user, code_step, csrf, unread, path, nav):
    with translation.override(language):
        template = Template('{% load frame %}{% frame "' + name + '" %}')
        return template.render(_page_context(language, user, code_step, csrf, unread, path, nav))


class FramePartTests(SimpleTestCase):
    def setUp(self):
        skeleton.cache_clear()

    def test_every_part_as_the_engine_renders_it_for_every_kind_of_page(self):
        users = (
            _User(False),
            _User(True, 'Mette <b>"Kragh"</b> & Søn', "Koordinator"),
            _User(True, "Ali O'Neil", "Peer-medarbejder"),
        )
        token = "a" * 64
        for name, language, user, code_step, unread, path, nav in itertools.product(
            PARTS,
            ("da", "en"),
            users,
            (False, True),
            (None, 0, 7, "99+"),
            ("/hjem/", '/personer/?q=<x>&side="2"'),
            ("", mark_safe('<ul><li><a href="/hjem/">Hjem</a></li></ul>')),
        ):
            with self.subTest(
                name=name,
                language=language,
                user=user.display_name,
                code_step=code_step,
                unread=unread,
                path=path,
                nav=bool(nav),
            ):
                self.assertEqual(
                    _frame_render(name, language, user, code_step, token, unread, path, nav),
                    _engine_render(name, language, user, code_step, token, unread, path, nav),
                )

    def test_values_are_escaped_and_each_request_gets_its_own(self):
        first = _frame_render(
            "frame/header.html",
            "da",
            _User(True, "<script>x</script>", "Peer"),
            False,
            "b" * 64,
            3,
            "/hjem/?a=1&b=2",
            "",
        )
        second = _frame_render(
            "frame/header.html",
            "da",
            _User(True, "Jens Jensen", "Koordinator"),
            False,
            "c" * 64,
            12,
            "/hjem/",
            "",
        )
        self.assertIn("&lt;script&gt;x&lt;/script&gt; · Peer", first)
        self.assertNotIn("<script>", first)
        self.assertIn('value="/hjem/?a=1&amp;b=2"', first)
        self.assertIn("Jens Jensen · Koordinator", second)
        self.assertNotIn("script", second)
        self.assertNotIn("b" * 64, second)
        self.assertEqual(second.count("c" * 64), 2)  # the two forms' tokens
        self.assertIn('<span class="count-badge">12<', second)
        self.assertEqual(skeleton.cache_info().misses, 1)  # the same kind of page

    def test_a_part_is_rendered_once_per_kind_of_page(self):
        for _ in range(3):
            _frame_render("frame/footer.html", "da", _User(False), False, "d" * 64, None, "/", "")
        _frame_render("frame/footer.html", "en", _User(False), False, "d" * 64, None, "/", "")
        _frame_render(
            "frame/footer.html", "da", _User(True, "A", "B"), False, "d" * 64, None, "/", ""
        )
        info = skeleton.cache_info()
        self.assertEqual((info.misses, info.hits), (3, 2))

    @override_settings(DEBUG=True)
    def test_under_debug_a_part_is_rendered_anew(self):
        _frame_render("frame/footer.html", "da", _User(False), False, "d" * 64, None, "/", "")
        self.assertEqual(skeleton.cache_info().currsize, 0)

    def test_a_part_that_changes_a_value_is_refused(self):
        engine: dict[str, Any] = settings.TEMPLATES[0]
        with (
            override_settings(
                TEMPLATES=[
                    {
                        **engine,
                        "APP_DIRS": False,
                        "OPTIONS": {
                            **engine["OPTIONS"],
                            "loaders": [
                                (
                                    "django.template.loaders.locmem.Loader",
                                    {"frame/shouting.html": "<b>{{ display_name|upper }}</b>"},
                                )
                            ],
                        },
                    }
                ]
            ),
            self.assertRaisesMessage(ImproperlyConfigured, "frame/shouting.html"),
        ):
            _frame_render(
                "frame/shouting.html",
                "da",
                _User(True, "Ida", "Peer"),
                False,
                "f" * 64,
                None,
                "/",
                "",
            )
