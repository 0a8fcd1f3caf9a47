"""brobygger/lib/paging.py: one way to page a list, and its count and links."""

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from brobygger.accounts.models import Unit
from brobygger.lib.paging import page_of, query_without_page

pytestmark = pytest.mark.timeless


def render_pager(rows: list[int], query: str) -> str:
    request = RequestFactory().get(f"/liste/?{query}")
    page = page_of(rows, request.GET.get("page"), per_page=25)
    with translation.override("da"):
        return Template("{% pager page %}").render(Context({"request": request, "page": page}))


def test_the_count_reads_first_to_last_of_all_with_thousands_grouped():
    html = render_pager(list(range(1390)), "kind=peer&page=2")
    assert "26\u201350 af 1.390" in html
    assert 'href="?kind=peer&amp;page=1"' in html
    assert 'href="?kind=peer&amp;page=3"' in html
    assert "Side 2 af 56" in html


def test_one_page_shows_the_count_and_no_links():
    html = render_pager([1, 2], "")
    assert "1\u20132 af 2" in html
    assert "<nav" not in html


def test_an_empty_list_shows_neither():
    assert render_pager([], "").strip() == ""


@pytest.mark.parametrize("number", ["abc", "-1", "0", "9999", "", None])
def test_a_bad_page_number_gives_a_page(number):
    page = page_of(list(range(60)), number)
    assert page.number in (1, 3)
    assert len(page.object_list) in (25, 10)


def test_the_query_keeps_everything_but_the_page():
    assert query_without_page(QueryDict("a=1&page=4&b=x+y")) == "a=1&b=x+y"


def test_a_second_list_pages_by_its_own_parameter_and_keeps_the_first_lists_page():
    request = RequestFactory().get("/liste/?page=2&due_page=1")
    page = page_of(list(range(60)), request.GET.get("due_page"))
    with translation.override("da"):
        html = Template('{% pager page param="due_page" %}').render(
            Context({"request": request, "page": page})
        )
    assert 'href="?page=2&amp;due_page=2"' in html


@pytest.mark.django_db
def test_a_count_given_is_not_asked_again(django_assert_num_queries):
    for i in range(30):
        Unit.objects.create(name=f"U{i:02}", code=f"U{i:02}")
    rows = Unit.objects.order_by("name")
    with django_assert_num_queries(1):  # the page's rows only, no COUNT
        page = page_of(rows, "2", per_page=25, count=30)
        assert [u.name for u in page.object_list] == [f"U{i:02}" for i in range(25, 30)]
    assert page.paginator.num_pages == 2
