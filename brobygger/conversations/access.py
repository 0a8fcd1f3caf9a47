"""Topics are programme data (no personal data): coordinators edit them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Topic


def all_topics() -> QuerySet[Topic]:
    return Topic.objects.order_by("audience", "order", "pk")


def get_topic(pk: int) -> Topic:
    topic = Topic.objects.filter(pk=pk).first()
    if topic is None:
        raise Http404
    return topic


def unique_topic_key(base: str) -> str:
    key, n = base[:45], 2
    while Topic.objects.filter(key=key).exists():
        key, n = f"{base[:42]}-{n}", n + 1
    return key
