"""Emailing many portals their links at once, reminding the unclaimed ones, and
the group's portal list as a CSV.

After an import of 150 exhibitors the organizer emails every unclaimed portal
its link in one action (`email_portal_links`), later reminds the ones still
unclaimed (the same action with `reminder=True`), or lets the beat do it N
days after the links went out (`send_scheduled_reminders`, the group's
`link_reminder_days`).

Each portal gets one outbox row (`about` the portal, one `send_id` per action
for the progress page); the emails' context builders (portals/emails.py)
re-check at send time that the portal is not revoked, still has that contact
and, for a reminder, is still unclaimed.

Invariants:
- a portal emailed (link or reminder, not failed) in the last
  `RECENTLY_EMAILED` is not emailed again by a bulk action: a double click, two
  tabs, two organizers. Decided under the portals' row locks, so two actions at
  once serialise and the second sees the first's rows;
- a scheduled reminder goes to a portal at most once per schedule (its
  `PortalLinkReminder` row, unique per portal and days, is written with the
  delivery in one transaction). The beat re-runs every hour; the rows decide,
  so a run lost to a broker outage is made up by the next one, and a repeated
  run sends nothing.

Lock order: portal rows (by id), then inserts of delivery and reminder rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from artsvp.api_support import site_url
from artsvp.csv_safe import safe_cell
from artsvp.ids import new_public_id
from artsvp.locks import lock_rows, locking_transaction
from deliveries.channels import is_valid_address
from deliveries.models import Delivery
from deliveries.services import content_type_of, queue_deliveries
from portals.emails import PORTAL_LINK, PORTAL_LINK_REMINDER
from portals.errors import PortalError
from portals.models import Portal, PortalAllocation, PortalGroup, PortalLinkReminder

# A second click within this time emails nobody twice.
RECENTLY_EMAILED = timedelta(minutes=10)
# More than any group holds; a guard against absurd requests.
MAX_PORTALS = 5000
# Unclaimed portals the page lists with a checkbox each; "all" reaches the rest.
PAGE_LIMIT = 100
MAX_REMINDER_DAYS = 60
# Reminders one beat run queues (the next run takes the rest).
SCHEDULED_LIMIT = 2000

LINK_TEMPLATES = (PORTAL_LINK, PORTAL_LINK_REMINDER)


class NothingToEmail(PortalError):
    code = "nothing_to_email"

    def __init__(self, *, recent: int, without_contact: int) -> None:
        self.recent = recent
        self.without_contact = without_contact
        if recent:
            message = ngettext(
                "The selected portal was emailed in the last few minutes: nothing was sent again.",
                "All %(count)d selected portals were emailed in the last few minutes: "
                "nothing was sent again.",
                recent,
            ) % {"count": recent}
        elif without_contact:
            message = gettext(
                "None of the selected portals has a contact email: add one (edit the portal) "
                "or copy its link."
            )
        else:
            message = gettext("None of the selected portals is unclaimed: nothing to send.")
        super().__init__(message)

    @property
    def details(self) -> dict[str, Any]:
        return {"recent": self.recent, "without_contact": self.without_contact}


# --- Reading ---------------------------------------------------------------------------------


def portal_emails() -> QuerySet[Delivery]:
    """Every link or reminder email about a portal, in the outbox."""
    return Delivery.objects.filter(
        content_type=content_type_of(Portal), template__in=LINK_TEMPLATES
    )


def unclaimed_portals(group: PortalGroup) -> QuerySet[Portal]:
    return Portal.objects.filter(
        organization_id=group.organization_id, group=group, status=Portal.Status.UNASSIGNED
    ).order_by("name", "id")


def has_contact(portal: Portal) -> bool:
    return bool(portal.contact_email) and is_valid_address(portal.contact_email)


def with_last_emailed(portals: QuerySet[Portal]) -> QuerySet[Portal]:
    """Each portal with `last_emailed_at`: its newest link or reminder email not failed."""
    newest = (
        portal_emails()
        .filter(object_id=OuterRef("pk"))
        .exclude(status=Delivery.Status.FAILED)
        .order_by("-queued_at", "-pk")
        .values("queued_at")[:1]
    )
    return portals.annotate(last_emailed_at=Subquery(newest))


@dataclass(frozen=True)
class LinksOverview:
    """What the bulk page shows: the unclaimed portals it lists (capped), how
    many there are, and those it cannot email for want of a contact."""

    listed: list[Portal]
    emailable: int
    without_contact: list[Portal]
    recent: int

    @property
    def more(self) -> int:
        return self.emailable - len(self.listed)


def _emailed_since(portal: Portal, since: datetime) -> bool:
    emailed: datetime | None = getattr(portal, "last_emailed_at", None)
    return emailed is not None and emailed >= since


def links_overview(group: PortalGroup, *, now: datetime | None = None) -> LinksOverview:
    """Two queries whatever the number of portals (the page lists at most PAGE_LIMIT)."""
    since = (now or timezone.now()) - RECENTLY_EMAILED
    rows = list(
        with_last_emailed(unclaimed_portals(group)).only(
            "pk", "public_id", "name", "contact_email", "status"
        )[:MAX_PORTALS]
    )
    emailable = [portal for portal in rows if has_contact(portal)]
    return LinksOverview(
        listed=emailable[:PAGE_LIMIT],
        emailable=len(emailable),
        without_contact=[portal for portal in rows if not has_contact(portal)],
        recent=sum(1 for portal in emailable if _emailed_since(portal, since)),
    )


# --- Emailing --------------------------------------------------------------------------------


class QueuedLinks(list[Delivery]):
    """The deliveries one action queued (it is the list), and whom it left out."""

    def __init__(
        self,
        deliveries: Iterable[Delivery],
        *,
        send_id: str,
        without_contact: list[str],
        recent: int,
        claimed: int,
    ) -> None:
        super().__init__(deliveries)
        self.send_id = send_id
        self.without_contact = without_contact
        self.recent = recent
        self.claimed = claimed

    def skipped_text(self) -> str:
        """'Skipped 2 without a contact email (Atelier A, Galerie B).' and the like."""
        parts = []
        if self.without_contact:
            names = ", ".join(self.without_contact[:10])
            if len(self.without_contact) > 10:
                names += ", …"
            parts.append(
                ngettext(
                    "Skipped %(count)d portal without a contact email (%(names)s).",
                    "Skipped %(count)d portals without a contact email (%(names)s).",
                    len(self.without_contact),
                )
                % {"count": len(self.without_contact), "names": names}
            )
        if self.recent:
            parts.append(
                ngettext(
                    "Skipped %(count)d portal emailed in the last few minutes.",
                    "Skipped %(count)d portals emailed in the last few minutes.",
                    self.recent,
                )
                % {"count": self.recent}
            )
        if self.claimed:
            parts.append(
                ngettext(
                    "Skipped %(count)d portal that is no longer unclaimed.",
                    "Skipped %(count)d portals that are no longer unclaimed.",
                    self.claimed,
                )
                % {"count": self.claimed}
            )
        return " ".join(parts)


def _recently_emailed(portal_ids: list[int], *, since: datetime) -> set[int]:
    rows = (
        portal_emails()
        .filter(object_id__in=portal_ids, queued_at__gte=since)
        .exclude(status=Delivery.Status.FAILED)
        .values_list("object_id", flat=True)
    )
    return {pk for pk in rows if pk is not None}


def email_portal_links(
    group: PortalGroup,
    *,
    public_ids: Sequence[str] | None = None,
    reminder: bool = False,
    actor: Any = None,
) -> QueuedLinks:
    """Queue the link (or the reminder) of the group's selected unclaimed portals
    (`public_ids`; None: every unclaimed one), one email each.

    Portals without a usable contact email, claimed or revoked ones and those
    emailed in the last RECENTLY_EMAILED are skipped and counted; raises
    `NothingToEmail` when nobody is left. The emails go after commit.
    """
    now = timezone.now()
    send_id = new_public_id()
    reply_to = getattr(actor, "email", "") or ""
    queued_by = str(reply_to or actor or "")[:254]
    portal_type = content_type_of(Portal)
    template = PORTAL_LINK_REMINDER if reminder else PORTAL_LINK
    portals = Portal.objects.filter(organization_id=group.organization_id, group=group)
    if public_ids is None:
        portals = portals.filter(status=Portal.Status.UNASSIGNED)
    else:
        portals = portals.filter(public_id__in=list(public_ids)[:MAX_PORTALS])
    with locking_transaction():
        # Two clicks at once serialise on the portals' rows: the second reads
        # the first's deliveries below and emails nobody twice.
        locked = lock_rows(portals.only("pk", "organization_id", "name", "contact_email", "status"))
        recent = _recently_emailed([portal.pk for portal in locked], since=now - RECENTLY_EMAILED)
        rows: list[Delivery] = []
        without_contact: list[str] = []
        skipped_recent = claimed = 0
        for portal in sorted(locked, key=lambda p: (p.name.casefold(), p.pk)):
            if not portal.is_unassigned:
                claimed += 1
            elif not has_contact(portal):
                without_contact.append(portal.name)
            elif portal.pk in recent:
                skipped_recent += 1
            else:
                rows.append(
                    Delivery(
                        organization_id=portal.organization_id,
                        template=template,
                        recipient=portal.contact_email.strip(),
                        # A reply reaches the organizer who sent it.
                        reply_to=reply_to if is_valid_address(reply_to) else "",
                        content_type=portal_type,
                        object_id=portal.pk,
                        context={"portal_id": portal.pk},
                        send_id=send_id,
                        queued_by=queued_by,
                        queued_at=now,
                    )
                )
        if not rows:
            raise NothingToEmail(recent=skipped_recent, without_contact=len(without_contact))
        deliveries = queue_deliveries(rows)
    return QueuedLinks(
        deliveries,
        send_id=send_id,
        without_contact=without_contact,
        recent=skipped_recent,
        claimed=claimed,
    )


# --- Scheduled reminders ---------------------------------------------------------------------


def set_link_reminders(group: PortalGroup, *, days: int | None) -> PortalGroup:
    """Remind the group's unclaimed portals `days` after their link went out (None: never)."""
    if days is not None and not 1 <= days <= MAX_REMINDER_DAYS:
        raise ValueError(f"Reminder days must be 1 to {MAX_REMINDER_DAYS}.")
    PortalGroup.objects.filter(pk=group.pk).update(link_reminder_days=days)
    group.link_reminder_days = days
    return group


def due_reminders(group: PortalGroup, *, now: datetime) -> QuerySet[Portal]:
    """The group's unclaimed portals whose first link went out at least the
    group's days ago and that have not had this schedule's reminder."""
    days = group.link_reminder_days
    if not days:
        return Portal.objects.none()
    first_link = (
        portal_emails()
        .filter(object_id=OuterRef("pk"), template=PORTAL_LINK)
        .exclude(status=Delivery.Status.FAILED)
        .order_by()
        .values("object_id")
        .annotate(first=Min("queued_at"))
        .values("first")
    )
    reminded = PortalLinkReminder.objects.filter(portal=OuterRef("pk"), after_days=days)
    return (
        unclaimed_portals(group)
        .annotate(first_link_at=Subquery(first_link))
        .filter(first_link_at__lte=now - timedelta(days=days))
        .exclude(Exists(reminded))
        .exclude(contact_email="")
    )


def send_scheduled_reminders(*, now: datetime | None = None, limit: int = SCHEDULED_LIMIT) -> int:
    """Queue every due scheduled reminder (at most `limit`); returns how many."""
    now = now or timezone.now()
    queued = 0
    groups = PortalGroup.objects.filter(link_reminder_days__isnull=False).order_by("pk")
    for group in groups.iterator():
        if queued >= limit:
            break
        queued += _remind_group(group, now=now, limit=limit - queued)
    return queued


def _remind_group(group: PortalGroup, *, now: datetime, limit: int) -> int:
    days = group.link_reminder_days
    assert days
    candidates = list(due_reminders(group, now=now).values_list("pk", flat=True)[:limit])
    if not candidates:
        return 0
    portal_type = content_type_of(Portal)
    send_id = new_public_id()
    with locking_transaction():
        # Under the portals' locks: a claim at the same moment comes first (the
        # portal is no longer unclaimed) or after (the worker skips the email);
        # a second run waits here and then finds the reminder rows.
        locked = lock_rows(
            Portal.objects.filter(pk__in=candidates).only(
                "pk", "organization_id", "contact_email", "status"
            )
        )
        done = set(
            PortalLinkReminder.objects.filter(
                portal_id__in=candidates, after_days=days
            ).values_list("portal_id", flat=True)
        )
        recent = _recently_emailed(candidates, since=now - RECENTLY_EMAILED)
        due = [
            portal
            for portal in locked
            if portal.is_unassigned
            and has_contact(portal)
            and portal.pk not in done
            and portal.pk not in recent
        ]
        if not due:
            return 0
        PortalLinkReminder.objects.bulk_create(
            PortalLinkReminder(organization_id=p.organization_id, portal_id=p.pk, after_days=days)
            for p in due
        )
        queue_deliveries(
            Delivery(
                organization_id=portal.organization_id,
                template=PORTAL_LINK_REMINDER,
                recipient=portal.contact_email.strip(),
                content_type=portal_type,
                object_id=portal.pk,
                context={"portal_id": portal.pk},
                send_id=send_id,
                queued_by="scheduled reminder",
                queued_at=now,
            )
            for portal in due
        )
    return len(due)


# --- CSV export ------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def portals_csv(group: PortalGroup, types: Sequence[Any]) -> Iterator[str]:
    """The group's portals as CSV lines, streamed (spreadsheet-safe cells).

    Columns: name, contact email, owner email, state, link (the organizer's own
    data: the secret link, absolute), per invite type its allocation and usage,
    the totals, claimed at. `types` are the group's invite types, in order.
    """
    writer = csv.writer(_Echo())
    header = [
        "name",
        "contact_email",
        "owner_email",
        "state",
        "link",
        *(f"{column}_{t.code}" for t in types for column in ("allocation", "used")),
        "allocation",
        "used",
        "claimed_at",
    ]
    # A byte order mark so that Excel reads the file as UTF-8 (accented names).
    yield "\ufeff" + writer.writerow(header)
    portals = Portal.objects.filter(organization_id=group.organization_id, group=group).order_by(
        "pk"
    )
    type_ids = [t.pk for t in types]
    last = 0
    while True:
        # Keyset chunks: memory holds one chunk of portals and their allocations.
        chunk = list(portals.filter(pk__gt=last)[:1000])
        if not chunk:
            return
        last = chunk[-1].pk
        allocations: dict[tuple[int, int], PortalAllocation] = {
            (row.portal_id, row.invite_type_id): row
            for row in PortalAllocation.objects.filter(
                Q(portal__in=chunk), invite_type_id__in=type_ids
            )
        }
        for portal in chunk:
            cells: list[Any] = []
            for type_id in type_ids:
                allocation = allocations.get((portal.pk, type_id))
                cells += [allocation.size, allocation.used] if allocation else ["", ""]
            row = [
                portal.name,
                portal.contact_email,
                portal.owner_email,
                portal.status,
                "" if portal.is_revoked else site_url(portal.path),
                *cells,
                portal.allocation,
                portal.invites_used,
                portal.assigned_at,
            ]
            yield writer.writerow([safe_cell(cell) for cell in row])
