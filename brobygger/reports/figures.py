"""All the raw figures of a report, each block read by its own constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from . import activity, effects, hours, reach, stats
from .scope import Scope


@dataclass
class Figures:
    scope: Scope
    recipients: dict[str, reach.Recipients]
    referrals: reach.ReferralTable
    waiting: dict[str, stats.Waiting]
    conversations: activity.Conversations
    groups: activity.Groups | None
    guide: activity.Guide
    outcomes: effects.Outcomes | None
    readmissions: dict[str, stats.Readmissions]
    hours: hours.Hours
    # Only the funder report needs these two.
    chime: activity.ChimeCounts | None = None
    persons_by_unit: dict[tuple[int | None, str], int] | None = None


def compute(scope: Scope, *, funder: bool = False) -> Figures:
    recipients = reach.recipients(scope)
    return Figures(
        scope=scope,
        recipients=recipients,
        referrals=reach.referrals(scope),
        waiting=reach.waiting_times(scope),
        conversations=activity.conversations(scope),
        groups=activity.groups(scope),
        guide=activity.guide(scope, recipients),
        outcomes=effects.outcomes(scope),
        readmissions=effects.readmissions(scope),
        hours=hours.hours(scope),
        chime=activity.chime(scope) if funder else None,
        persons_by_unit=reach.persons_by_unit(scope) if funder else None,
    )
