"""The form fuzz's parts: the POST forms of a page, what a browser would send, hostile values.

`forms_of(html, url)` reads every `<form method="post">` of a page with the stdlib HTML
parser, as a browser sees it: each named field with its kind, value and choices (a submit
button with its own `formaction` is a form of its own). `own_values` is what the browser
posts untouched; `hostile_values(form, n)` gives every field the n-th hostile value of its
kind, so a few posts per form try every kind of bad input without the full cross-product.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What no response may hold verbatim: the markup itself, not its escaped text.
ECHOES = (SCRIPT.encode(), IMG[2:].encode())

TEXT = [
    SCRIPT,
    IMG,
    SCRIPT + "x" * 20_000,  # over-long: past every max_length
    "a\x00b" + SCRIPT,  # a NUL byte (PostgreSQL refuses it in text)
    "\u202eevil\u200b\u200d\ufeff😀" + IMG,  # right-to-left override, zero-width, emoji
]
NUMBER = ["-1", "99999999999999999999999999", "1e309", "NaN", "0x10", "-0.0000001"]
DATE = ["2026-02-30", "31.12.99", "0000-00-00", "99999-12-31", "-1"]
# Copenhagen's clock skips 02:00-03:00 on 29 March 2026 and repeats it on 25 October.
DATETIME = [
    "2026-02-30T10:00",
    "2026-03-29T02:30",
    "2026-10-25T02:30",
    "31.12.99 25:61",
    "9999-12-31T23:59",
]
TIME = ["25:61", "24:00", "-1:00", "12:60:60", "noon"]
CHOICE = ["ukendt-valg", "-1", "99999999999", SCRIPT]
HIDDEN = ["-1", "99999999999999999999", SCRIPT, "", "1; DROP TABLE x"]
# A return address a form may follow: another site, a script, a bare view name.
RETURN = [
    "//evil.example",
    "javascript:alert(1)",
    "desk:home",
    "https://evil.example/",
    "/\\evil.example",
]
RETURN_FIELDS = {"back", "next", "return_to", "redirect_to"}

NOT_SENT = {"submit", "button", "reset", "image"}


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "select", "textarea", "submit"
    value: str = ""
    options: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False


@dataclass
class Form:
    action: str  # a path with its query, on this site
    fields: list[Field]
    page: str
    htmx: bool = False  # the page posts it with htmx too (hx-post)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted({f.name for f in self.fields if f.kind not in NOT_SENT}))


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[Field], list[tuple[str, Field]], bool]] = []
        self._fields: list[Field] | None = None
        self._buttons: list[tuple[str, Field]] = []
        self._action = ""
        self._htmx = False
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None  # an open option: value, selected
        self._option_text: list[str] = []
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._fields, self._buttons, self._action = [], [], a.get("action", "")
                self._htmx = "hx-post" in a
            return
        if self._fields is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            item = Field(name, kind, a.get("value", "on" if kind in ("checkbox", "radio") else ""))
            item.checked = "checked" in a
            if kind == "radio":
                same = next((f for f in self._fields if f.kind == "radio" and f.name == name), None)
                if same is not None:
                    same.options.append(item.value)
                    if item.checked:
                        same.chosen = [item.value]
                    return
                item.options = [item.value]
                item.chosen = [item.value] if item.checked else []
            if kind in ("submit", "image"):
                self._buttons.append((a.get("formaction", ""), item))
            self._fields.append(item)
        elif tag == "button":
            kind = a.get("type", "submit").lower()
            if kind == "submit":
                item = Field(name, "submit", a.get("value", ""))
                self._buttons.append((a.get("formaction", ""), item))
                if name:
                    self._fields.append(item)
        elif tag == "select" and name:
            self._select = Field(name, "select", multiple="multiple" in a)
            self._fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = (a.get("value"), "selected" in a)
            self._option_text = []
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea")
            self._fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" or (tag == "select" and self._select is not None):
            self._close_option()
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._fields is not None:
            self.forms.append((self._action, self._fields, self._buttons, self._htmx))
            self._fields = None

    def _close_option(self) -> None:
        if self._select is None or self._option is None:
            return
        value, selected = self._option
        if value is None:
            value = "".join(self._option_text).strip()
        self._select.options.append(value)
        if selected:
            self._select.chosen.append(value)
        self._option, self._option_text = None, []


def forms_of(html: str, url: str) -> list[Form]:
    """The POST forms of a page at `url` whose action is on this site."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    found: list[Form] = []
    for action, fields, buttons, htmx in parser.forms:
        targets = {action} | {formaction for formaction, _b in buttons if formaction}
        for target in sorted(targets):
            absolute = urlsplit(urljoin("http://testserver" + url, target or url))
            if absolute.netloc != "testserver":
                continue
            path = absolute.path + (f"?{absolute.query}" if absolute.query else "")
            # The button that posts to this target is the one a browser would send.
            pressed = [b for formaction, b in buttons if (formaction or action) == target]
            kept = [f for f in fields if f.kind not in NOT_SENT]
            if pressed and pressed[0].name:
                kept.append(dataclasses.replace(pressed[0]))
            found.append(Form(path, kept, url, htmx))
    return found


def _own(item: Field) -> list[str]:
    if item.kind in ("checkbox",):
        return [item.value] if item.checked else []
    if item.kind == "radio":
        return item.chosen[:1]
    if item.kind == "select":
        if item.multiple:
            return list(item.chosen)
        return item.chosen[-1:] or item.options[:1]
    if item.kind == "file":
        return []
    return [item.value]


def own_values(form: Form) -> dict[str, list[Any]]:
    """What a browser posts for the form as the page rendered it."""
    data: dict[str, list[Any]] = {}
    for item in form.fields:
        data.setdefault(item.name, []).extend(_own(item))
    return {name: values for name, values in data.items() if values}


def _pick(values: list[str], n: int) -> str:
    return values[n % len(values)]


def hostile(item: Field, n: int) -> Any:
    """The n-th hostile value for one field, chosen by its kind."""
    if item.name in RETURN_FIELDS:
        return _pick(RETURN, n)
    if item.name == "csrfmiddlewaretoken":
        return item.value
    kind = item.kind
    if kind == "file":
        return SimpleUploadedFile(f"{IMG}.pdf", SCRIPT.encode() * 10, "application/pdf")
    if kind == "number" or kind == "range":
        return _pick(NUMBER, n)
    if kind in ("date", "month", "week"):
        return _pick(DATE, n)
    if kind == "datetime-local":
        return _pick(DATETIME, n)
    if kind == "time":
        return _pick(TIME, n)
    if kind in ("select", "radio", "checkbox", "submit"):
        return _pick(CHOICE, n)
    if kind == "hidden":
        return _pick(HIDDEN, n)
    return _pick(TEXT, n)


def hostile_values(form: Form, n: int) -> dict[str, list[Any]]:
    """Every field at its n-th hostile value (a file field gets a file named like markup)."""
    data: dict[str, list[Any]] = {}
    for item in form.fields:
        data.setdefault(item.name, [hostile(item, n)])
    return data


def duplicated_values(form: Form, n: int) -> dict[str, list[Any]]:
    """Every field twice: its own value, then a hostile one (`.get()` reads the last)."""
    own = own_values(form)
    data: dict[str, list[Any]] = {}
    for item in form.fields:
        if item.name in data or item.kind == "file":
            continue
        data[item.name] = [*own.get(item.name, [""])[:1], hostile(item, n)]
    return data


def only_token(form: Form) -> dict[str, list[Any]]:
    """Every field missing but the CSRF token."""
    return {f.name: [f.value] for f in form.fields if f.name == "csrfmiddlewaretoken"}


def same_site(location: str) -> bool:
    """A redirect stays on this site: a path (not "//host" nor "/\\host") or this host."""
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == "testserver"
    return location.startswith("/") and not location.startswith("//") and "\\" not in location
