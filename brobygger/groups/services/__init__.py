"""Every change to recovery groups. Keyword-only, with an actor, in a transaction, audited.

In two parts: the groups and their sessions (series), and the people in them
(participants).
"""

from ._common import GROUP_FIELDS, MAX_SESSION_MINUTES, MAX_WEEKS, MIN_SESSION_MINUTES, NOTE_WARNING
from .participants import (
    enrol,
    leave,
    leave_all_groups,
    note_warnings,
    record_attendance,
    save_group_note,
)
from .series import (
    add_session,
    add_weekly_sessions,
    cancel_session,
    close_group,
    create_group,
    refuse_conversation_in_session,
    update_group,
    update_session_topic,
)

__all__ = [
    "GROUP_FIELDS",
    "MAX_SESSION_MINUTES",
    "MAX_WEEKS",
    "MIN_SESSION_MINUTES",
    "NOTE_WARNING",
    "add_session",
    "add_weekly_sessions",
    "cancel_session",
    "close_group",
    "create_group",
    "enrol",
    "leave",
    "leave_all_groups",
    "note_warnings",
    "record_attendance",
    "refuse_conversation_in_session",
    "save_group_note",
    "update_group",
    "update_session_topic",
]
