"""Demo peer education and a year of supervision, as the services write them.

Every demo peer gets a course of peer education: most completed, a couple under way,
one planned (as for every peer hired during the demo), one dropped without a new plan.
Each block of twelve peers gets three supervision groups (a user organisation, a peer
network, an internal one) with a session every two or three weeks for the past year,
realistic absences, themes in general words, and two peers who have fallen behind.
The rows and audit events are the services', written in bulk (`demo_writer`).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerKind, PeerWorker

from . import services
from .demo_writer import DemoWriter
from .models import AttendanceStatus, ProviderKind, SupervisionGroup

# (provider, title, hours, cost in DKK) of the full peer education.
EDUCATIONS = [
    ("Peer-uddannelsen, Psykiatrien Region Sjælland", "Peer-uddannelse, modul 1-3", 96, 28000),
    ("Center for Recovery, Region Hovedstaden", "Peer-uddannelse for peer-medarbejdere", 84, 24500),
    ("Recoveryskolen Sjælland", "Peer-uddannelse, grundforløb", 72, 19500),
]
RELATIVE_EDUCATION = (
    "Peer-uddannelsen, Psykiatrien Region Sjælland",
    "Uddannelse for pårørende-peers",
    60,
    16000,
)
SHORT_COURSES = [
    ("Center for Recovery, Region Hovedstaden", "Temadag: tavshedspligt og peer-noter", 6, 1200),
    ("Recoveryskolen Sjælland", "Kursus: samtaler i telefonen", 7, 1500),
    ("Peer-uddannelsen, Psykiatrien Region Sjælland", "Opfølgningsdag for peers", 6, 900),
]
# The education each peer of a block of twelve gets, by position in the block.
PLAN = [
    "completed",
    "completed",
    "completed",
    "ongoing",
    "completed",
    "planned",
    "completed",
    "completed",
    "ongoing",
    "completed",
    "completed",
    "dropped",
]
COURSE_DAYS = 16 * 7 - 3  # sixteen weeks, Monday to Friday

THEMES = [
    "Grænser i samtalerne og egen trivsel",
    "At bruge egne erfaringer med omtanke",
    "Samarbejdet med personalet på afsnittet",
    "Tavshedspligt, og hvad vi må dele med hvem",
    "Når en samtale bliver svær",
    "Afslutning af forløb",
    "Pårørendes situation og forventninger",
    "Egen recovery i et travlt arbejdsliv",
    "Håb og skuffelser efter udskrivelsen",
    "Rollen som peer i et tværfagligt team",
    "Ensomhed og fællesskaber uden for psykiatrien",
    "Kontakt med kommunen og jobcentret",
    "Humor og alvor i samtalerne",
    "Overgange mellem afsnit og hjem",
    "Egenomsorg i perioder med travlhed",
]


@dataclass(frozen=True)
class GroupPlan:
    name: str
    provider_kind: str
    provider_name: str
    supervisor_name: str
    target_days: int
    interval: tuple[int, int]  # days between sessions, never more than the target
    weekday: int
    hour: int
    minutes: int
    place: str


GROUPS = [
    GroupPlan(
        "Supervision med Foreningen Sindsro",
        ProviderKind.USER_ORGANISATION,
        "Foreningen Sindsro, landsforening for mennesker med psykisk sårbarhed",
        "Birgitte Holm",
        42,
        (14, 21),
        2,
        13,
        120,
        "Foreningen Sindsro, mødelokalet, Roskilde",
    ),
    GroupPlan(
        "Peernetværkets sparringsgruppe",
        ProviderKind.PEER_NETWORK,
        "Peernetværk Øst",
        "Thomas Brink",
        28,
        (14, 14),
        3,
        14,
        90,
        "Peernetværkets lokaler, Ringsted",
    ),
    GroupPlan(
        "Intern faglig sparring for pårørende-peers",
        ProviderKind.INTERNAL,
        "Brobygger-programmet",
        "",
        35,
        (14, 21),
        1,
        9,
        90,
        "Mødelokale 2, Psykiatrien Roskilde",
    ),
]
# Positions in each block of twelve that have fallen behind on supervision.
BEHIND = (5, 8)


def _money(value: float) -> Decimal:
    return Decimal(round(value / 500.0) * 500)


def _monday_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _education(
    builder: Any, writer: DemoWriter, peer: PeerWorker, plan: str, rng: random.Random
) -> None:
    today: datetime.date = builder.today
    provider, title, hours, cost = (
        RELATIVE_EDUCATION if peer.kind == PeerKind.RELATIVE_PEER else rng.choice(EDUCATIONS)
    )
    fields: dict[str, Any] = {
        "provider": provider,
        "title": title,
        "hours": Decimal(hours),
        "cost": _money(cost * rng.uniform(0.95, 1.08)),
        "paid_by_employer": True,
        "note": "",
    }
    if plan == "completed":
        starts = _monday_after(peer.contract_start + datetime.timedelta(days=rng.randint(7, 45)))
        if rng.random() < 0.25 or starts + datetime.timedelta(days=COURSE_DAYS) > today:
            # Taken before the job, at the peer's own or a previous employer's cost (and
            # so for every recent hire who is meant to have it).
            starts = _monday_after(
                peer.contract_start - datetime.timedelta(days=rng.randint(300, 700))
            )
            fields |= {
                "paid_by_employer": False,
                "cost": Decimal(0),
                "note": "Taget før ansættelsen.",
            }
        ends = starts + datetime.timedelta(days=COURSE_DAYS)
    elif plan == "ongoing":
        starts = _monday_after(today - datetime.timedelta(days=rng.randint(30, 70)))
        ends = starts + datetime.timedelta(days=COURSE_DAYS)
    elif plan == "planned":
        starts = _monday_after(today + datetime.timedelta(days=rng.randint(25, 100)))
        ends = starts + datetime.timedelta(days=COURSE_DAYS)
        fields["note"] = "Tilmeldt; faktura ved start."
    else:
        starts = _monday_after(max(peer.contract_start, today - datetime.timedelta(days=300)))
        ends = starts + datetime.timedelta(days=COURSE_DAYS)
        fields["note"] = "Stoppede efter første modul; ikke tilmeldt igen endnu."
        if ends > today:
            starts = _monday_after(today - datetime.timedelta(days=COURSE_DAYS + 14))
            ends = starts + datetime.timedelta(days=COURSE_DAYS)
    status = "dropped" if plan == "dropped" else plan
    writer.education(
        peer=peer,
        today=today,
        starts_on=starts,
        ends_on=ends,
        status=status,
        **fields,
    )
    if status == "completed" and rng.random() < 0.35:
        provider, title, hours, cost = rng.choice(SHORT_COURSES)
        day = min(
            today - datetime.timedelta(days=7), ends + datetime.timedelta(days=rng.randint(60, 240))
        )
        writer.education(
            peer=peer,
            today=today,
            provider=provider,
            title=title,
            starts_on=day,
            ends_on=day,
            status="completed",
            hours=Decimal(hours),
            cost=Decimal(cost),
            paid_by_employer=True,
            note="",
        )


def _session_days(plan: GroupPlan, today: datetime.date, rng: random.Random) -> list[datetime.date]:
    """A year back and about six weeks ahead, on the group's weekday."""
    day = today - datetime.timedelta(days=365)
    day += datetime.timedelta(days=(plan.weekday - day.weekday()) % 7)
    days = []
    while day <= today + datetime.timedelta(days=45):
        days.append(day)
        following = day + datetime.timedelta(days=rng.randint(*plan.interval))
        # Back to the group's weekday: never longer apart than the target.
        day = following - datetime.timedelta(days=(following.weekday() - plan.weekday) % 7)
    return days


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return AttendanceStatus.PRESENT
    return AttendanceStatus.EXCUSED if roll < 0.93 else AttendanceStatus.ABSENT


def _supervision(
    builder: Any,
    writer: DemoWriter,
    plan: GroupPlan,
    members: list[PeerWorker],
    behind: set[int],
    rng: random.Random,
) -> SupervisionGroup:
    today: datetime.date = builder.today
    group = writer.group(
        members=members,
        name=plan.name,
        provider_kind=plan.provider_kind,
        provider_name=plan.provider_name,
        supervisor_name=plan.supervisor_name or builder.coordinator.get_full_name(),
        unit=None,
        target_days=plan.target_days,
    )
    names = services.themes_names(group)
    member_ids = {peer.pk for peer in members}
    days = _session_days(plan, today, rng)
    past = [d for d in days if d < today]
    for day in days:
        themes = "\n".join(rng.sample(THEMES, 2)) if day < today or rng.random() < 0.5 else ""
        # The planned hour, or an hour or two from it when a member is busy then (one
        # clash rule: agenda.services); no session that day when every try clashes.
        session = writer.session(
            group=group,
            names=names,
            starts=[
                local_datetime(day, datetime.time(hour))
                for hour in (plan.hour, plan.hour + 2, plan.hour - 2, plan.hour + 4)
            ],
            minutes=plan.minutes,
            place=plan.place,
            themes=themes,
            members=sorted(member_ids),
        )
        if session is None:
            continue
        if day >= today:
            continue
        statuses: dict[int, str] = {}
        for peer in members:
            if peer.contract_start > day:
                continue
            if peer.pk in behind and (today - day).days < 100:
                statuses[peer.pk] = rng.choice([AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT])
            elif day == past[-1] and peer.pk not in behind:
                # Everyone else came last time, so only the chosen few are overdue.
                statuses[peer.pk] = AttendanceStatus.PRESENT
            else:
                statuses[peer.pk] = _status(rng)
        writer.attendance(session=session, members=member_ids, statuses=statuses)
    return group


def build_demo(builder: Any) -> None:
    rng = builder.rng
    writer = DemoWriter(builder.coordinator)
    peers: list[PeerWorker] = list(builder.peers)
    blocks = max(1, len(peers) // 12)
    for number in range(blocks):
        # Twelve peers a block; peers hired later in the demo join the last block.
        block = peers[number * 12 : None if number == blocks - 1 else (number + 1) * 12]
        for position, peer in enumerate(block):
            # Peers hired during the demo (past the twelve) start with a course planned.
            plan = PLAN[position] if position < len(PLAN) else "planned"
            _education(builder, writer, peer, plan, rng)
        # A peer who has left (see people.demo_workforce) is in no group.
        active = set(
            PeerWorker.objects.filter(
                pk__in=[p.pk for p in block], user__is_active=True
            ).values_list("pk", flat=True)
        )
        working = [(position, p) for position, p in enumerate(block) if p.pk in active]
        relatives = [p for _pos, p in working if p.kind == PeerKind.RELATIVE_PEER]
        patients = [(pos, p) for pos, p in working if p.kind != PeerKind.RELATIVE_PEER]
        behind = {p.pk for pos, p in working if pos in BEHIND}
        members = [
            [p for pos, p in patients if pos % 2 == 0],
            [p for pos, p in patients if pos % 2 == 1],
            relatives,
        ]
        for group_plan, group_members in zip(GROUPS, members, strict=True):
            if group_members:
                _supervision(builder, writer, group_plan, group_members, behind, rng)
    writer.write()
