"""The setting's register of data-sharing agreements, and which agreement covers a share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from setting_app.domain import validation
from setting_app.domain.errors import NotFound, ValidationError
from setting_app.storage import agreement_repo
from setting_app.storage.database import Connection


@dataclass(frozen=True)
class Cover:
    """What a share records about its agreement: the agreement, or why there was none."""

    agreement_id: int | None
    no_agreement_reason: str = ""


def check_cover(
    conn: Connection,
    *,
    on: date,
    partner: str,
    category: str | None = None,
    agreement_id: int | None = None,
    no_agreement_reason: str = "",
) -> Cover:
    """Decide which agreement covers a share to ``partner`` on ``on`` (inside the caller's transaction).

    A named agreement must exist and be in force. With none named, the one agreement in force that
    covers the partner (by its referral category or its name) is used. Otherwise the share needs a
    reason, which goes into the information-sharing record; without one it is refused.
    """
    reason = validation.check_note(no_agreement_reason or "", "reason for no agreement").strip()
    if agreement_id is not None:
        in_force = agreement_repo.agreement_in_force(conn, agreement_id, on)
        if in_force is None:
            raise NotFound(f"There is no data-sharing agreement #{agreement_id}.")
        if not in_force:
            title = agreement_repo.agreement_title(conn, agreement_id)
            raise ValidationError("agreement", f"the agreement “{title}” is not in force on {on.isoformat()}")
        return Cover(agreement_id)
    if reason:
        return Cover(None, reason)
    covering = agreement_repo.covering_agreement_ids(conn, on, category=category, party_name=partner)
    if len(covering) == 1:
        return Cover(covering[0])
    if covering:
        raise ValidationError(
            "agreement",
            f"{len(covering)} agreements cover sharing with {partner}: choose the one that applies",
        )
    raise ValidationError(
        "agreement",
        f"no data-sharing agreement in force covers sharing with {partner}: "
        "say why you are sharing without one",
    )
