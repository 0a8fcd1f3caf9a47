from django.contrib import admin
from django.urls import include, path

from brobygger.conversations import urls as conversations_urls
from brobygger.desk import urls as desk_urls
from brobygger.lib.routing import by_first_segment
from brobygger.lifecycle import urls as lifecycle_urls
from brobygger.matching import urls as matching_urls
from brobygger.people import urls as people_urls
from brobygger.referrals import urls as referrals_urls
from brobygger.scheduling import urls as scheduling_urls
from brobygger.workforce import urls as workforce_urls

# A namespace is one include: the pages of the people namespace that gather apps above
# people (the person pages, the peer's page, the handover) live in those apps and join
# it here.
PEOPLE = (
    people_urls.urlpatterns
    + referrals_urls.people_urlpatterns
    + workforce_urls.people_urlpatterns
    + matching_urls.people_urlpatterns
)

# Likewise in the referrals namespace: the referral's page shows the matching engine's
# suggestions (matching), the course page the course's conversations (conversations), and
# the steps that start, change and end a course are the lifecycle's (lifecycle).
REFERRALS = (
    referrals_urls.urlpatterns
    + lifecycle_urls.referrals_urlpatterns
    + matching_urls.referrals_urlpatterns
    + conversations_urls.referrals_urlpatterns
)

# Each path is tried only against the patterns that could match its first segment
# (lib/routing.py); the order below still decides between those.
PATTERNS = [
    path("", include("brobygger.public.urls")),
    path("", include("brobygger.accounts.urls")),
    path("", include((PEOPLE, "people"))),
    path("", include("brobygger.notifications.urls")),
    path("", include((desk_urls.audit_urlpatterns, "audit"))),
    path("", include((REFERRALS, "referrals"))),
    path("", include("brobygger.matching.urls")),
    path(
        "",
        include((scheduling_urls.urlpatterns + desk_urls.scheduling_urlpatterns, "scheduling")),
    ),
    path("", include("brobygger.groups.urls")),
    path("", include("brobygger.conversations.urls")),
    path("", include("brobygger.recruitment.urls")),
    path("", include("brobygger.outcomes.urls")),
    path("", include("brobygger.onboarding.urls")),
    path(
        "",
        include((workforce_urls.urlpatterns + desk_urls.workforce_urlpatterns, "workforce")),
    ),
    path("", include("brobygger.timesheets.urls")),
    path("", include("brobygger.admissions.urls")),
    path("", include("brobygger.concerns.urls")),
    path("", include("brobygger.reports.urls")),
    path("", include("brobygger.research.urls")),
    path("", include("brobygger.breakglass.urls")),
    path("", include("brobygger.retention.urls")),
    path("", include("brobygger.desk.urls")),
    path("", include("brobygger.rights.urls")),
    path("api/", include("brobygger.api.urls")),
    path("", include("brobygger.interop.urls")),
    path("", include((desk_urls.jobs_urlpatterns, "jobs"))),
    path("", include("brobygger.sso.urls")),
    path("admin/", admin.site.urls),
]
urlpatterns = by_first_segment(PATTERNS)

# A database outage answers 503 with a calm page; anything else the plain 500 page.
handler500 = "brobygger.jobs.outage.server_error"
