"""One way to page a list (issue 19): at a region's scale a list of every peer,
application or concern is hundreds to thousands of rows.

Views call `page_of(rows, request.GET.get("page"))`; templates show the count and the
links with `{% pager page %}` (a template builtin): "1-25 af 1.390" (an en dash) and Previous/Next
links that keep the rest of the query string (filters, sort). Two queries a page
whatever the length: the count and the page's rows. A bad page number gives the nearest
page, never an error. A page with two paged lists names the second one's parameter:
`page_of(rows, request.GET.get("due_page"))` and `{% pager page param="due_page" %}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django import template
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.formats import number_format

PAGE_SIZE = 25

T = TypeVar("T")


def page_of(
    rows: QuerySet[Any] | Sequence[T],
    number: Any,
    *,
    per_page: int = PAGE_SIZE,
    count: int | None = None,
) -> Page:
    """The page `number` (as typed in the URL; anything else gives page 1 or the last).
    `count`: the number of rows, when a query the page makes anyway counted them."""
    paginator = Paginator(rows, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached_property: no COUNT query
    return paginator.get_page(number)


def query_without_page(params: QueryDict, param: str = "page") -> str:
    """The query string of the page's filters and sort (and any other list's page), to
    which a pager link adds its own page number."""
    rest = params.copy()
    rest.pop(param, None)
    return rest.urlencode()


def _number(n: int) -> str:
    return number_format(n, force_grouping=True)


register = template.Library()


@register.inclusion_tag("includes/pager.html", takes_context=True)
def pager(context: Any, page: Page, links: bool = True, param: str = "page") -> dict[str, Any]:
    """The count ("1-25 af 1.390" (an en dash)) and, when there is more than one page and `links`,
    the Previous/Next links with the request's other parameters."""
    request = context.get("request")
    query = query_without_page(request.GET, param) if request is not None else ""
    prefix = f"?{query}&{param}=" if query else f"?{param}="
    count = page.paginator.count
    return {
        "count": count,
        "first": _number(page.start_index()),
        "last": _number(page.end_index()),
        "total": _number(count),
        "number": page.number,
        "pages": page.paginator.num_pages,
        "links": links and page.has_other_pages(),
        "previous": f"{prefix}{page.previous_page_number()}" if page.has_previous() else "",
        "next": f"{prefix}{page.next_page_number()}" if page.has_next() else "",
    }
