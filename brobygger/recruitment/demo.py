"""Demo recruitment: open and closed postings with applications in every state,
interviews with panels and notes, a few CVs as tiny valid PDFs.

Built through the real services like the rest of the demo. Everything here is
fictional; the posting texts are our own, in the style of a Danish peer job posting.
Services check the real clock (a posting must be open to receive an application),
so the demo applies first and then moves dates back to where the story needs them.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from brobygger.accounts.models import Role, User
from brobygger.demo import data
from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerKind

from . import interviews, services
from .models import (
    Application,
    ApplicationStatus,
    Interview,
    JobPosting,
    PostingCriterion,
    Rating,
    Recommendation,
    StatusReason,
)

S = ApplicationStatus
# Why an interview went ahead outside a panel peer's hours (the coordinator's words).
PANEL_REASON = "Aftalt med peer-medarbejderen i panelet"

WORK_DA = (
    "Du bliver peerstøtte for patienter, der er indlagt eller i ambulant behandling. Du "
    "har samtaler med afsæt i udskrivningsguiden og følger med ud i de første måneder "
    "efter udskrivelsen.\n"
    "Du bliver en del af en projektgruppe og et fagligt fællesskab, hvor det er centralt "
    "at sætte egne erfaringer i spil. Du får supervision udefra, blandt andet fra SIND "
    "og Peernetværket."
)
WORK_EN = (
    "You support patients who are admitted or in outpatient treatment. Your conversations "
    "start from the discharge guide, and you follow along into the first months after "
    "discharge.\n"
    "You join a project group and a professional community where using your own "
    "experience is central. You get supervision from outside, among others from SIND and "
    "the peer network."
)
RELATIVE_WORK_DA = (
    "Du støtter pårørende til mennesker med psykisk sygdom, i samtaler over telefon eller "
    "ved et møde. Du bruger dine bearbejdede erfaringer som pårørende til at give plads "
    "til følelser, spørgsmål og håb."
)
RELATIVE_WORK_EN = (
    "You support relatives of people with mental illness, by phone or in person. You use "
    "your worked-through experience as a relative to make room for feelings, questions "
    "and hope."
)
CRITERIA = [
    ("Har selv været i behandling i psykiatrien", "Has been in psychiatric treatment"),
    (
        "Har erfaring med at komme sig helt eller delvist",
        "Has experience of recovering, fully or partly",
    ),
    (
        "Har lyst til at bruge sine erfaringer til gavn for andre",
        "Wants to use their experience to help others",
    ),
    (
        "Samarbejder godt og møder andre anerkendende",
        "Works well with others and meets people with respect",
    ),
]
RELATIVE_CRITERIA = [
    (
        "Har erfaring som pårørende til en med psykisk sygdom",
        "Has experience as a relative of someone with mental illness",
    ),
    ("Har bearbejdet sine erfaringer", "Has worked through their experience"),
    ("Kan lytte uden at give gode råd", "Can listen without giving advice"),
]
MOTIVATIONS = [
    "Da jeg selv var indlagt, var det en tidligere patient, der fik mig til at tro på, at "
    "det kunne blive bedre. Den erfaring vil jeg gerne give videre.",
    "Jeg har arbejdet som frivillig i en forening i to år og kan mærke, at jeg er klar til "
    "at bruge mine erfaringer i et job med kolleger og supervision.",
    "Jeg ved, hvor svært det er at komme hjem efter en indlæggelse. Jeg vil gerne være "
    "den, der ringer på dag to og spørger, hvordan det går.",
    "Jeg har taget en peer-uddannelse og savner at bruge den. Timetallet passer godt til "
    "mit liv lige nu.",
    "Efter mange år med angst har jeg fundet en hverdag, der fungerer. Jeg vil gerne vise "
    "andre, at der er en vej, også når det ser mørkt ud.",
    "Jeg er uddannet pædagog og har selv været i behandling for depression. Jeg tror, at "
    "min baggrund kan bygge bro mellem personalet og patienterne.",
    "Min bror var indlagt mange gange, og jeg lærte meget om at være pårørende. I dag kan "
    "jeg tale om det uden at blive væltet af det.",
    "Jeg vil gerne være med til at gøre udskrivelsen mindre ensom for andre, end den var for mig.",
]
EXPERIENCES = [
    "Indlagt to gange med psykose for nogle år siden. Har brugt recoveryskole og "
    "en selvhjælpsgruppe. Har i dag et deltidsjob og et godt netværk.",
    "Lang periode med depression og en indlæggelse. Kom mig blandt andet med hjælp fra en "
    "peer-medarbejder og ved at komme tilbage til løbeklubben.",
    "Bipolar lidelse, stabil i fire år. Kender til medicin, bivirkninger og at finde sin "
    "egen balance.",
    "Selvskade i ungdommen og senere angst. Har gået i terapi og har fået et liv, jeg er glad for.",
    "Har været indlagt tvangsfrit og frivilligt og kender både svære og gode forløb. "
    "Mistede mit arbejde og fandt vej tilbage gennem et flexjob.",
]
RELATIVE_EXPERIENCES = [
    "Mor til en søn med skizofreni. Har gået i pårørendegruppe i tre år.",
    "Datter af en far med bipolar lidelse. Har været pårørende, siden jeg var barn.",
    "Gift med en mand, der har haft svære depressioner. Har lært at passe på mig selv.",
]
COMMENTS = {
    Rating.CLEARLY: [
        "Fortalte konkret og roligt om sit eget forløb.",
        "Gav flere gode eksempler.",
        "Tydeligt i hele samtalen.",
    ],
    Rating.PARTLY: [
        "Lidt usikker, men på vej.",
        "Nævnt, men ikke uddybet.",
        "Kunne fortælle mere om det.",
    ],
    Rating.NOT_SHOWN: ["Kom ikke frem i samtalen.", "Svært at vurdere ud fra samtalen."],
}
SUMMARIES = [
    "Varm og rolig. Lytter godt og taler om sine erfaringer uden at fylde for meget.",
    "Engageret og med gode erfaringer. Skal have tid til at lande i rollen.",
    "Sympatisk, men virker ikke helt klar til at bruge sine erfaringer i arbejdet endnu.",
]


def _pdf(title: str) -> bytes:
    """A one-page PDF with a line of text and a correct cross-reference table."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _Recruitment:
    def __init__(self, builder: Any) -> None:
        self.b = builder
        self.rng: random.Random = builder.rng
        self.today: datetime.date = builder.today
        self.coordinator: User = builder.coordinator
        self.count = 0
        unit = builder.units[0]
        self.manager = builder._user(
            "afdelingsleder", Role.CLINICIAN, "Birgitte", "Mørk", units=[unit]
        )
        patient_peers = [p for p in builder.peers if p.kind == PeerKind.PATIENT_PEER]
        # The demo's own peer login sits on a panel, so "My interviews" has something.
        self.experienced = patient_peers[0].user
        self.second_peer = min(patient_peers[1:], key=lambda p: p.contract_start).user
        relative = [p for p in builder.peers if p.kind == PeerKind.RELATIVE_PEER]
        self.relative_peer = relative[0].user if relative else self.second_peer

    # -- postings -----------------------------------------------------------
    def posting(
        self,
        *,
        title_da: str,
        title_en: str,
        unit: Any,
        kind: str,
        deadline: datetime.date,
        criteria: list[tuple[str, str]],
        relative: bool = False,
    ) -> JobPosting:
        start = deadline + datetime.timedelta(days=45)
        posting = services.create_posting(
            actor=self.coordinator,
            criteria=criteria,
            unit=unit,
            peer_kind=kind,
            title_da=title_da,
            title_en=title_en,
            hours_min=Decimal(8),
            hours_max=Decimal(15 if not relative else 12),
            period_start=start,
            period_end=start + datetime.timedelta(days=420),
            work_da=RELATIVE_WORK_DA if relative else WORK_DA,
            work_en=RELATIVE_WORK_EN if relative else WORK_EN,
            looking_for_da=(
                "Der er ingen formelle uddannelseskrav, men det er en fordel, hvis du har "
                "taget et peer-kursus eller har erfaring med peerarbejde. Vi lægger vægt på, "
                "at du:"
            ),
            looking_for_en=(
                "There are no formal requirements, but a peer course or experience of peer "
                "work is an advantage. We look for someone who:"
            ),
            how_to_apply_da=(
                "Søg via formularen. Fortæl med dine egne ord, hvorfor du gerne vil have "
                "jobbet. Vi holder samtaler kort efter ansøgningsfristen."
            ),
            how_to_apply_en=(
                "Apply through the form. Tell us in your own words why you want the job. "
                "Interviews are held shortly after the deadline."
            ),
            # Open while the demo applies; the real deadline is set afterwards.
            deadline=max(deadline, self.today),
        )
        services.set_published(actor=self.coordinator, posting=posting, published=True)
        return posting

    def finish(self, posting: JobPosting, deadline: datetime.date, closed_days_ago: int) -> None:
        if closed_days_ago >= 0:
            services.close_posting(actor=self.coordinator, posting=posting)
            closed_at = timezone.now() - datetime.timedelta(days=closed_days_ago)
            JobPosting.objects.filter(pk=posting.pk).update(closed_at=closed_at)
        JobPosting.objects.filter(pk=posting.pk).update(deadline=deadline)

    # -- applications -------------------------------------------------------
    def apply(
        self, posting: JobPosting, *, relative: bool, days_before: int, cv: bool
    ) -> Application:
        rng = self.rng
        self.count += 1
        female = rng.random() < 0.6
        name = f"{rng.choice(data.FEMALE if female else data.MALE)} {rng.choice(data.FAMILY)}"
        upload = None
        if cv:
            upload = SimpleUploadedFile(
                "cv.pdf", _pdf(f"CV - {name} (fiktiv demo)"), "application/pdf"
            )
        phone = f"{rng.choice('2345')}{rng.randrange(0, 10_000_000):07d}"
        application = services.submit_application(
            posting=posting,
            name=name,
            email=f"ansoeger{self.count}@example.invalid" if rng.random() < 0.85 else "",
            phone=phone,
            motivation=rng.choice(MOTIVATIONS),
            experience=rng.choice(RELATIVE_EXPERIENCES if relative else EXPERIENCES),
            consent=True,
            cv=upload,
            cv_kind="pdf" if upload else "",
        )
        received = timezone.now() - datetime.timedelta(
            days=days_before, hours=rng.randrange(0, 10), minutes=rng.randrange(0, 60)
        )
        Application.objects.filter(pk=application.pk).update(received_at=received)
        return application

    def move(self, application: Application, *path: str, reason: str = "") -> None:
        for to in path:
            needs = to in (S.REJECTED, S.WITHDRAWN)
            services.transition_application(
                actor=self.coordinator,
                application=application,
                to=to,
                reason=reason if needs else "",
            )

    # -- interviews ---------------------------------------------------------
    def interview(
        self, application: Application, panel: list[User], day: datetime.date
    ) -> Interview | None:
        """Book at the first hour the whole panel is free that day (the real guard); when
        no hour suits a peer on the panel, the first free one with the coordinator's
        reason (scheduling.services.check_availability)."""
        hours = (9, 10, 11, 13, 14, 15)
        for hour, reason in [(h, "") for h in hours] + [(h, PANEL_REASON) for h in hours]:
            starts_at = local_datetime(day, datetime.time(hour))
            try:
                return interviews.book_interview(
                    actor=self.coordinator,
                    application=application,
                    starts_at=starts_at,
                    minutes=45,
                    mode="in_person",
                    place="Mødelokale 2, Psykiatrisk Center, stueetagen",
                    panel=panel,
                    allow_past=starts_at < timezone.now(),
                    override_reason=reason,
                )
            except ValidationError:
                continue
        return None

    def notes(self, interview: Interview, *, strong: bool) -> None:
        rng = self.rng
        interviews.mark_interview_held(actor=self.coordinator, interview=interview)
        criteria = list(
            PostingCriterion.objects.filter(posting_id=interview.application.posting_id)
        )
        for seat in interview.seats.select_related("user"):
            ratings: dict[int, tuple[str, str]] = {}
            for criterion in criteria:
                weights = [6, 3, 1] if strong else [2, 4, 3]
                rating = rng.choices([Rating.CLEARLY, Rating.PARTLY, Rating.NOT_SHOWN], weights)[0]
                ratings[criterion.pk] = (rating, rng.choice(COMMENTS[rating]))
            if strong:
                options = [Recommendation.HIRE, Recommendation.HIRE, Recommendation.UNSURE]
            else:
                options = [Recommendation.UNSURE, Recommendation.NOT_HIRE]
            interviews.save_interview_note(
                actor=seat.user,
                interview=interview,
                ratings=ratings,
                recommendation=rng.choice(options),
                summary=SUMMARIES[0 if strong else rng.choice([1, 2])],
            )


def _weekday_after(day: datetime.date, days: int) -> datetime.date:
    day += datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def build_demo(builder: Any) -> None:
    r = _Recruitment(builder)
    today = builder.today
    units = builder.units
    panel = [r.coordinator, r.experienced]
    manager_panel = [r.coordinator, r.manager]

    # 1. Open, deadline ahead: new applications, a shortlist and interviews booked.
    deadline = today + datetime.timedelta(days=12)
    open_post = r.posting(
        title_da="Peer-medarbejder til Peers som Brobyggere",
        title_en="Peer worker for Peers as Bridge Builders",
        unit=units[0],
        kind=PeerKind.PATIENT_PEER,
        deadline=deadline,
        criteria=CRITERIA,
    )
    apps = [r.apply(open_post, relative=False, days_before=d, cv=d % 3 == 0) for d in range(9)]
    for application in apps[3:5]:
        r.move(application, S.SHORTLISTED)
    for i, application in enumerate(apps[5:7]):
        r.interview(application, panel, _weekday_after(today, 3 + i))
    r.move(apps[7], S.REJECTED, reason=StatusReason.NOT_QUALIFIED)
    r.move(apps[8], S.WITHDRAWN, reason=StatusReason.APPLICANT_WITHDREW)
    r.finish(open_post, deadline, -1)

    # 2. Open: relative peer, a few applications so far.
    deadline = today + datetime.timedelta(days=20)
    relative_post = r.posting(
        title_da="Pårørende-peer i Distriktspsykiatrien",
        title_en="Relative peer in community psychiatry",
        unit=units[2 % len(units)],
        kind=PeerKind.RELATIVE_PEER,
        deadline=deadline,
        criteria=RELATIVE_CRITERIA,
        relative=True,
    )
    rel = [r.apply(relative_post, relative=True, days_before=d, cv=d == 1) for d in range(3)]
    r.move(rel[2], S.SHORTLISTED)
    r.finish(relative_post, deadline, -1)

    # 3. Deadline passed, selection under way: interviews held with notes, an offer.
    deadline = today - datetime.timedelta(days=10)
    round_post = r.posting(
        title_da="Peer-medarbejder til opfølgning efter udskrivelse",
        title_en="Peer worker for follow-up after discharge",
        unit=units[0],
        kind=PeerKind.PATIENT_PEER,
        deadline=deadline,
        criteria=CRITERIA,
    )
    rnd = [r.apply(round_post, relative=False, days_before=12 + d, cv=d < 2) for d in range(6)]
    held = [
        r.interview(a, manager_panel if i % 2 else panel, _weekday_after(today, -8 + i))
        for i, a in enumerate(rnd[:3])
    ]
    for i, interview in enumerate(held):
        if interview is not None:
            r.notes(interview, strong=i == 0)
    if held[0] is not None:
        r.move(rnd[0], S.OFFERED)
    if held[1] is not None:
        r.move(rnd[1], S.REJECTED, reason=StatusReason.NOT_QUALIFIED)
    r.move(rnd[3], S.SHORTLISTED)
    r.move(rnd[4], S.REJECTED, reason=StatusReason.NOT_QUALIFIED)
    r.finish(round_post, deadline, -1)

    # 4. and 5. Closed: one recently, one five months ago; hired and the others. And one
    # eight months ago, past the six months of retention: its applications are due.
    for closed_days_ago, title_da, title_en in (
        (20, "Peer-medarbejder, Afsnit R1", "Peer worker, ward R1"),
        (150, "Peer-medarbejder til recovery-grupper", "Peer worker for recovery groups"),
        (240, "Peer-medarbejder, Distriktspsykiatrien", "Peer worker, community psychiatry"),
    ):
        deadline = today - datetime.timedelta(days=closed_days_ago + 30)
        closed = r.posting(
            title_da=title_da,
            title_en=title_en,
            unit=units[0],
            kind=PeerKind.PATIENT_PEER,
            deadline=deadline,
            criteria=CRITERIA,
        )
        old = [
            r.apply(closed, relative=False, days_before=closed_days_ago + 35 + d, cv=d == 0)
            for d in range(5)
        ]
        first = r.interview(old[0], panel, _weekday_after(today, -closed_days_ago - 25))
        second = r.interview(old[1], manager_panel, _weekday_after(today, -closed_days_ago - 24))
        if first is not None:
            r.notes(first, strong=True)
            r.move(old[0], S.OFFERED, S.HIRED)
        if second is not None:
            r.notes(second, strong=False)
            r.move(old[1], S.REJECTED, reason=StatusReason.POSITION_FILLED)
        r.move(old[2], S.SHORTLISTED, S.REJECTED, reason=StatusReason.POSITION_FILLED)
        r.move(old[3], S.REJECTED, reason=StatusReason.NOT_QUALIFIED)
        r.move(old[4], S.WITHDRAWN, reason=StatusReason.APPLICANT_WITHDREW)
        r.finish(closed, deadline, closed_days_ago)

    # 6. A draft, not published yet.
    services.create_posting(
        actor=r.coordinator,
        criteria=RELATIVE_CRITERIA,
        unit=None,
        peer_kind=PeerKind.RELATIVE_PEER,
        title_da="Pårørende-peer til telefonrådgivning (kladde)",
        title_en="Relative peer for phone support (draft)",
        hours_min=Decimal(8),
        hours_max=Decimal(10),
        period_start=today + datetime.timedelta(days=90),
        period_end=today + datetime.timedelta(days=455),
        work_da=RELATIVE_WORK_DA,
        work_en=RELATIVE_WORK_EN,
        looking_for_da="Erfaring som pårørende og lyst til at lytte.",
        looking_for_en="Experience as a relative and a wish to listen.",
        how_to_apply_da="Søg via formularen.",
        how_to_apply_en="Apply through the form.",
        deadline=today + datetime.timedelta(days=40),
    )
