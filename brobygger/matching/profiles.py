"""The matching engine's vocabulary: weights, the profiles it scores, and what it returns.

Pure Python + numpy (no Django); ``engine`` re-exports every name, which is the public API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

PEER_KINDS = ("patient_peer", "relative_peer", "parent_peer")
PERSON_KINDS = ("patient", "relative")
#: Which peer kinds may serve which kind of person (a hard rule).
ALLOWED_PEER_KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "patient": frozenset({"patient_peer"}),
        "relative": frozenset({"relative_peer", "parent_peer"}),
    }
)
#: Codes in ``Suggestion.blocked`` (and in the values of a ``"blocked"`` reason), in this order.
BLOCK_CODES = (
    "role",
    "paused",
    "no_capacity",
    "gender_required",
    "age_required",
    "language_required",
    "declined",
)
NO_FEASIBLE_PEER = "no_feasible_peer"
CAPACITY = "capacity"

SCALE = 1000  # internal points are integers in units of 1/SCALE point
MAX_WEIGHT = 1000.0  # keeps every total far inside int64 / exact float64 range


@dataclass(frozen=True)
class Weights:
    """Points for each part of a score; the coordinator edits these.

    All values are non-negative numbers up to ``MAX_WEIGHT``, applied at a resolution of 0.001
    points; ``base`` must be at least 0.001 so that every feasible pair scores above zero.
    """

    base: float = 10.0  # any feasible pair
    shared_experience: float = 4.0  # per wanted experience the peer shares
    gender: float = 3.0  # gender wish met
    age_band: float = 2.0  # age band wish met
    language: float = 5.0  # peer speaks the person's language
    unit: float = 3.0  # peer works on the person's unit
    continuity: float = 6.0  # the person already knows the peer
    free_hour: float = 0.5  # per free hour of the peer ...
    free_hours_cap: float = 8.0  # ... counting at most this many hours
    waiting_week: float = 0.5  # per full week the referral has waited ...
    waiting_weeks_cap: float = 12.0  # ... counting at most this many weeks

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"weight {f.name!r} must be a number, got {value!r}")
            if not math.isfinite(value) or not 0 <= value <= MAX_WEIGHT:
                raise ValueError(f"weight {f.name!r} must be between 0 and {MAX_WEIGHT:g}")
            object.__setattr__(self, f.name, float(value))
        if milli(self.base) < 1:
            raise ValueError("weight 'base' must be at least 0.001")

    def as_dict(self) -> dict[str, float]:
        """Return the weights as a plain JSON-able dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """Build weights from a dict; unknown keys are ignored, missing ones take defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class PeerProfile:
    """A peer worker as the engine sees them."""

    id: int
    kind: str  # "patient_peer" | "relative_peer" | "parent_peer"
    experience_tags: frozenset[str]  # only experiences the peer has chosen to share
    languages: frozenset[str]  # ISO 639-1
    gender: str  # "female" | "male" | "other" | ""
    age_band: str  # "18-29" | "30-44" | "45-59" | "60+" | ""
    unit_ids: frozenset[int]
    free_hours: float  # free contract hours per week for new courses
    paused: bool = False


@dataclass(frozen=True)
class ReferralProfile:
    """A referred patient or relative waiting for a peer."""

    id: int
    person_kind: str  # "patient" | "relative"
    wanted_tags: frozenset[str]
    gender_wish: str = ""
    gender_required: bool = False
    age_band_wish: str = ""
    age_band_required: bool = False
    language: str = "da"
    language_required: bool = False
    unit_id: int | None = None
    known_peer_ids: frozenset[int] = frozenset()
    waiting_days: int = 0
    excluded_peer_ids: frozenset[int] = frozenset()  # peers who declined this referral


@dataclass(frozen=True)
class Reason:
    """One part of a score.

    Codes: ``base``; ``shared_experience`` (values: shared tags, sorted); ``gender``,
    ``age_band``, ``language``, ``unit`` (values: the matched value); ``continuity``;
    ``free_hours`` (values: the peer's free hours); ``waiting`` (values: full weeks waited);
    ``blocked`` (0 points, values: the broken rules from ``BLOCK_CODES``).
    """

    code: str
    points: float
    values: tuple[str | int | float, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A scored (referral, peer) pair; ``score == sum(r.points for r in reasons)``.

    A non-empty ``blocked`` means the pair is infeasible; its score is then 0.
    """

    peer_id: int
    score: float
    reasons: tuple[Reason, ...]
    blocked: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return not self.blocked


@dataclass(frozen=True)
class BatchResult:
    """Outcome of :func:`assign` or :func:`greedy` (keys are referral ids)."""

    pairs: dict[int, int]  # referral id -> peer id
    scores: dict[int, float]  # referral id -> score of its pair
    unplaced: dict[int, str]  # referral id -> NO_FEASIBLE_PEER | CAPACITY
    total: float
    optimal: bool  # proven optimal by an LP dual certificate


def milli(points: float) -> int:
    """Points as integer milli-points (``SCALE``), rounded once."""
    return round(points * SCALE)
