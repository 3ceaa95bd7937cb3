"""Outcome-framework tags on activity types: read them, and (managers) set them.

Built-in activity types start with the tags migration 0006 gives them; a setting's own types start
untagged. Tags feed the monthly summary's and the LA return's tables by outcome, so changing them is
recorded in the audit trail (as a settings change: codes only, never anything about a family).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from setting_app.domain.errors import NotFound
from setting_app.domain.frameworks import Framework, parse_framework, parse_outcomes
from setting_app.domain.models import ActivityType
from setting_app.services import audit
from setting_app.services.session import Session
from setting_app.storage import activity_repo
from setting_app.storage.unit_of_work import unit_of_work


@dataclass(frozen=True)
class ActivityTags:
    activity: ActivityType
    #: Per framework, the outcome codes in the framework's own order (empty: untagged).
    tags: dict[Framework, tuple[str, ...]]

    def labels(self, framework: Framework) -> tuple[str, ...]:
        return tuple(framework.outcome_label(c) for c in self.tags[framework])


def _activity(session: Session, activity_id: int) -> ActivityType:
    activity = activity_repo.get_activity_type_by_id(session.conn, int(activity_id))
    if activity is None:
        raise NotFound(f"There is no activity type with id {activity_id}.")
    return activity


def activity_tags(session: Session, activity_id: int) -> ActivityTags:
    """The activity type's tags in both frameworks (anyone may read them: they describe the setting's
    work, not a family)."""
    activity = _activity(session, activity_id)
    return ActivityTags(activity, activity_repo.activity_outcomes(session.conn, activity.id))


def set_activity_tags(
    session: Session, activity_id: int, framework: Framework | str, outcomes: Iterable[str] | str
) -> ActivityTags:
    """Replace the activity type's tags in one framework. Managers only; unknown codes are refused."""
    session.require_manager("change the outcome tags of activity types")
    framework = parse_framework(framework)
    codes = parse_outcomes(framework, outcomes)
    with unit_of_work(session.conn):
        activity = _activity(session, activity_id)
        before = activity_repo.activity_outcomes(session.conn, activity.id)[framework]
        if before != codes:
            activity_repo.set_activity_outcomes(session.conn, activity.id, framework, codes)
            audit.record(
                session,
                audit.SETTINGS,
                object_type="activity_type",
                object_id=activity.id,
                detail=(
                    f"{framework.label} tags of activity {activity.domain.value}/{activity.code}: "
                    f"{', '.join(codes) or 'none'} (were {', '.join(before) or 'none'})"
                ),
            )
        return ActivityTags(activity, activity_repo.activity_outcomes(session.conn, activity.id))
