"""The guest's side of an invite: opening it and answering it.

Answers close at the event's deadline (`Event.answers_deadline`, by default
its end, so the guests of a multi-day fair can answer on its second day),
when the event is archived, or when the organizer closes them.

Entry windows. `admitting_windows` is the one home of the rule: a window
that lists no invite type admits every invite; an invite with a type is
admitted by the windows listing its type or listing none; an invite without
a type (the organizer's own) only by windows listing none. When the event has
windows, accepting needs one: the only admitting window is taken for the
guest, several make the guest choose (WindowRequired).

Capacity counts accepted guests with their plus-ones (pending answers take
none): the window's, and the event's when it has one. It is checked under
the rows' locks in the fixed order (artsvp/locks.py): event -> entry window
-> invite (a multi-use link, then the answer it creates, after the link's
portal: see answer_link), so two guests
cannot both take the last place. Golden invites skip both checks (their
guests still count as taking places). An invite that needs approval becomes
PENDING when accepted, with its window and plus-ones but no capacity check;
the organizer decides (invites/approvals.py). An approved (accepted) invite
that its guest changes stays accepted, its new party and window re-checked.

A multi-use link is answered through `answer_link`: each answer is an
invite of its own (`parent` = the link) that inherits the link's source,
type, label, tags, metadata, flags and sharing rule, uses no credit and no
allocation, and takes one of the link's uses (`uses_taken`, written only
there, under the link's lock).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext, ngettext

from artsvp.i18n import date_pattern, recognized
from artsvp.locks import lock_existing_row, lock_row, locking_transaction
from events.models import EntryWindow, Event
from invites.guest_counts import places_taken, places_taken_by_window
from invites.guests import MAX_NAME_LENGTH
from invites.hooks import answer_changed
from invites.models import Invite
from invites.services import InviteError
from portals.models import Portal

__all__ = [
    "AlreadyAnswered",
    "EventFull",
    "GuestDetailsRequired",
    "InviteIsALink",
    "InviteRevoked",
    "LinkUsedUp",
    "PlusOnesExceeded",
    "RsvpClosed",
    "WindowFull",
    "WindowNotAdmitted",
    "WindowPlaces",
    "WindowRequired",
    "admitting_windows",
    "answer_link",
    "check_capacity",
    "deadline_text",
    "lock_for_answer",
    "record_open",
    "respond",
    "rsvp_closed_reason",
    "window_places",
]

# How the guest pages and messages write the deadline: "Sun 18 May, 18:00 CEST".
DEADLINE_FORMAT = "D j M, H:i T"


@dataclass(frozen=True)
class WindowPlaces:
    """An entry window as a guest chooses it: the places left for them
    (None: the window has no capacity of its own)."""

    window: EntryWindow
    places_left: int | None

    @property
    def full(self) -> bool:
        return self.places_left is not None and self.places_left <= 0

    def fits(self, party: int) -> bool:
        return self.places_left is None or party <= self.places_left


class InviteRevoked(InviteError):
    code = "invite_revoked"

    def __init__(self) -> None:
        super().__init__(gettext("This invitation has been withdrawn."))


class RsvpClosed(InviteError):
    code = "rsvp_closed"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PlusOnesExceeded(InviteError):
    code = "plus_ones_exceeded"

    def __init__(self, *, allowed: int) -> None:
        self.allowed = allowed
        super().__init__(
            ngettext(
                "This invitation allows at most %(allowed)d extra guest.",
                "This invitation allows at most %(allowed)d extra guests.",
                allowed,
            )
            % {"allowed": allowed}
        )


class GuestDetailsRequired(InviteError):
    code = "guest_details_required"

    def __init__(self) -> None:
        super().__init__(gettext("Please give your name and email address."))


class EventFull(InviteError):
    code = "event_full"

    def __init__(self, *, spots_left: int) -> None:
        self.spots_left = spots_left
        if spots_left <= 0:
            message = gettext("Sorry, the event is full.")
        else:
            message = ngettext(
                "Sorry, only %(left)d place is left, fewer than you asked for.",
                "Sorry, only %(left)d places are left, fewer than you asked for.",
                spots_left,
            ) % {"left": spots_left}
        super().__init__(message)


class WindowRequired(InviteError):
    """The event has several windows for this guest: they must pick one."""

    code = "window_required"

    def __init__(self, windows: list[WindowPlaces]) -> None:
        self.windows = windows
        super().__init__(gettext("Please choose when you will come."))


class WindowNotAdmitted(InviteError):
    code = "window_not_admitted"

    def __init__(self, windows: list[WindowPlaces]) -> None:
        self.windows = windows
        if windows:
            message = gettext("Your invitation is not valid for this entry time: choose another.")
        else:
            message = gettext(
                "None of the event's entry times is open to your invitation; "
                "please contact the organizer."
            )
        super().__init__(message)


class WindowFull(InviteError):
    """The chosen window has fewer places left than the party needs; `alternatives`
    are the windows admitting the guest that still have room for it."""

    code = "window_full"

    def __init__(
        self, *, window: EntryWindow, spots_left: int, party: int, alternatives: list[WindowPlaces]
    ) -> None:
        self.window = window
        self.spots_left = max(spots_left, 0)
        self.party = party
        self.alternatives = alternatives
        if self.spots_left == 0:
            message = gettext("Sorry, %(window)s is full.") % {"window": window.label}
        else:
            message = ngettext(
                "Sorry, %(window)s has only %(left)d place left, and you asked for %(party)d.",
                "Sorry, %(window)s has only %(left)d places left, and you asked for %(party)d.",
                self.spots_left,
            ) % {"window": window.label, "left": self.spots_left, "party": party}
        if alternatives:
            message += " " + gettext("These still have room: %(windows)s.") % {
                "windows": ", ".join(_places_text(choice) for choice in alternatives)
            }
        super().__init__(message)


class InviteIsALink(InviteError):
    """A multi-use link is answered with `answer_link`, one guest at a time."""

    code = "multi_use_link"

    def __init__(self) -> None:
        super().__init__(
            gettext("This link is answered by each guest with their own name and email.")
        )


class LinkUsedUp(InviteError):
    code = "link_used_up"

    def __init__(self) -> None:
        super().__init__(gettext("Sorry, every place on this link has been taken."))


class AlreadyAnswered(InviteError):
    code = "already_answered"

    def __init__(self) -> None:
        super().__init__(
            gettext(
                "Someone with this email address has already answered through this link. "
                "Look for the confirmation in your inbox to change your answer."
            )
        )


def _places_text(choice: WindowPlaces) -> str:
    if choice.places_left is None:
        return choice.window.label
    return ngettext(
        "%(window)s (%(left)d place left)", "%(window)s (%(left)d places left)", choice.places_left
    ) % {"window": choice.window.label, "left": choice.places_left}


# --- Opening, and whether answers are open ---------------------------------------------------


def record_open(invite: Invite) -> None:
    """The guest opened the link: created/sent -> opened, first time only.

    Most views are of a link already opened: they write nothing. The UPDATE's
    condition still decides, so two first views at once open it once."""
    if invite.status not in (Invite.Status.CREATED, Invite.Status.SENT):
        return
    now = timezone.now()
    updated = Invite.objects.filter(
        pk=invite.pk, status__in=[Invite.Status.CREATED, Invite.Status.SENT]
    ).update(status=Invite.Status.OPENED, opened_at=now, updated_at=now)
    if updated:
        invite.status = Invite.Status.OPENED
        invite.opened_at = now


def deadline_text(event: Event) -> str:
    """The answer deadline in the event's zone, as guests read it."""
    return format_date(event.answers_deadline.astimezone(event.tz), date_pattern(DEADLINE_FORMAT))


def rsvp_closed_reason(event: Event) -> str | None:
    """Why guests can no longer answer for `event`, or None while they can."""
    if event.is_archived:
        return gettext("This event has been archived, so answers are closed.")
    if event.answers_closed:
        return gettext("Answers closed on %(deadline)s.") % {"deadline": deadline_text(event)}
    if not event.rsvp_open:
        return gettext("The organizer has closed answers for this event.")
    return None


# --- Entry windows and capacity ------------------------------------------------------------


def _admitting(windows: QuerySet[EntryWindow], invite_type_id: int | None) -> QuerySet[EntryWindow]:
    # The rule (module docstring): listing no type admits all; a type is
    # admitted where it is listed.
    admits = Q(invite_types__isnull=True)
    if invite_type_id is not None:
        admits |= Q(invite_types=invite_type_id)
    return windows.filter(admits).distinct()


def admitting_windows(invite: Invite) -> list[EntryWindow]:
    """The entry windows of the invite's event that admit it, in time order."""
    return list(
        _admitting(
            EntryWindow.objects.filter(event_id=invite.event_id).select_related("event"),
            invite.invite_type_id,
        ).order_by("starts_at", "label", "id")
    )


def window_places(invite: Invite) -> list[WindowPlaces]:
    """The windows admitting `invite` with the places left for it (its own
    current answer not counted against it). For showing; decisions re-read
    under the window's lock."""
    windows = admitting_windows(invite)
    taken = places_taken_by_window(
        [window.pk for window in windows if window.capacity is not None], exclude=invite
    )
    return [
        WindowPlaces(
            window=window,
            places_left=(
                None if window.capacity is None else window.capacity - taken.get(window.pk, 0)
            ),
        )
        for window in windows
    ]


def check_capacity(invite: Invite, *, event: Event, window: EntryWindow | None, party: int) -> None:
    """Refuse `party` places for `invite` when its window or its event has fewer
    left (the invite's own current answer not counted). The caller holds the
    locks of the event (when capped) and the window, read fresh under them.
    Raises WindowFull or EventFull."""
    assert transaction.get_connection().in_atomic_block, "decide under the rows' locks"
    others = Invite.objects.exclude(pk=invite.pk)
    if window is not None and window.capacity is not None:
        spots_left = window.capacity - places_taken(others.filter(entry_window_id=window.pk))
        if party > spots_left:
            alternatives = [
                choice
                for choice in window_places(invite)
                if choice.window.pk != window.pk and choice.fits(party)
            ]
            raise WindowFull(
                window=window, spots_left=spots_left, party=party, alternatives=alternatives
            )
    if event.capacity is not None:
        spots_left = event.capacity - places_taken(others.filter(event_id=event.pk))
        if party > spots_left:
            raise EventFull(spots_left=spots_left)


@dataclass(frozen=True)
class _Choice:
    """The window an acceptance goes to, or why it cannot go anywhere."""

    window: EntryWindow | None
    problem: InviteError | None = None


def _choose_window(invite: Invite, event: Event, window: EntryWindow | None) -> _Choice:
    """Which window accepting `invite` takes (the guest's `window`, or the only
    one admitting it). Windows and types change only on organizer pages; a
    change there between this read and the answer is the organizer's to see."""
    if not EntryWindow.objects.filter(event_id=event.pk).exists():
        return _Choice(window=None)
    admitted = admitting_windows(invite)
    if window is None:
        if len(admitted) == 1:
            return _Choice(window=admitted[0])
        places = window_places(invite)
        if not admitted:
            return _Choice(window=None, problem=WindowNotAdmitted(places))
        return _Choice(window=None, problem=WindowRequired(places))
    if window.pk not in {candidate.pk for candidate in admitted}:
        return _Choice(window=None, problem=WindowNotAdmitted(window_places(invite)))
    return _Choice(window=window)


def lock_for_answer(
    event_id: int, window: EntryWindow | None, *, counted: bool
) -> tuple[Event, EntryWindow | None]:
    """Lock, in the lock order, what an answer decides on: the event when the
    answer takes its capacity (`counted`: not golden, not waiting for
    approval) and it has one, then the window.

    FOR NO KEY UPDATE: two answers still queue on the row, while the KEY
    SHARE locks that inserting or pointing an invite at the row takes
    (generation, a link's answer) do not wait for them, so no cycle forms
    through those implicit locks.
    """
    event = Event.objects.get(pk=event_id)
    if counted and event.capacity is not None:
        # Every acceptance of a capped event queues here, so two guests
        # cannot both take its last place.
        event = lock_existing_row(Event.objects.filter(pk=event_id), no_key=True)
    if window is not None:
        # The same for the window's last places; a capacity the organizer
        # changes meanwhile is read after their commit. Locked even when the
        # answer takes no capacity, for one order of locks in every answer.
        window = lock_existing_row(
            EntryWindow.objects.filter(pk=window.pk).select_related("event"), no_key=True
        )
    return event, window


def _check_plus_ones(plus_ones: int, allowed: int) -> None:
    if not 0 <= plus_ones <= allowed:
        raise PlusOnesExceeded(allowed=allowed)


def _guest_details(name: str, email: str) -> tuple[str, str]:
    if not name or not email:
        raise GuestDetailsRequired()
    try:
        validate_email(email)
    except ValidationError as error:
        raise GuestDetailsRequired() from error
    return name[:MAX_NAME_LENGTH], email


# --- Answering ------------------------------------------------------------------------------


def respond(
    invite: Invite,
    *,
    accept: bool,
    plus_ones: int = 0,
    name: str | None = None,
    email: str | None = None,
    window: EntryWindow | None = None,
) -> Invite:
    """Record the guest's answer; they may change it until answers close.

    A blank link needs the guest's name and email with the first answer.
    Accepting takes a window when the event has windows (see the module
    docstring), 1 + plus_ones places of it and of the event (unless golden),
    or waits for approval (PENDING) when the invite needs it. Declining
    frees the places and the window. Raises InviteRevoked, InviteIsALink,
    RsvpClosed, PlusOnesExceeded, GuestDetailsRequired, WindowRequired,
    WindowNotAdmitted, WindowFull or EventFull.
    """
    name = (name or "").strip()
    email = (email or "").strip()
    plus_ones = plus_ones if accept else 0
    # Unlocked: the flags and the type that decide which rows to lock are
    # fixed when the invite is generated; the status is re-read under lock.
    current = Invite.objects.select_related("event").get(pk=invite.pk)
    if current.is_multi_use:
        raise InviteIsALink()
    choice = _Choice(window=None)
    if accept:
        choice = _choose_window(current, current.event, window)
    waits = accept and current.needs_approval and current.status != Invite.Status.ACCEPTED
    counted = accept and not current.golden and not waits
    with locking_transaction():
        event, chosen = lock_for_answer(current.event_id, choice.window, counted=counted)
        locked = lock_existing_row(Invite.objects.filter(pk=invite.pk))
        if locked.status == Invite.Status.REVOKED:
            raise InviteRevoked()
        reason = rsvp_closed_reason(event)
        if reason:
            raise RsvpClosed(reason)
        _check_plus_ones(plus_ones, locked.plus_ones_allowed)
        if locked.is_blank:
            locked.guest_name, locked.guest_email = _guest_details(name, email)
        if choice.problem is not None:
            raise choice.problem
        if counted:
            check_capacity(locked, event=event, window=chosen, party=1 + plus_ones)
        if not accept:
            locked.status = Invite.Status.DECLINED
        elif waits:
            locked.status = Invite.Status.PENDING
        else:
            locked.status = Invite.Status.ACCEPTED
        locked.plus_ones = plus_ones
        locked.entry_window = chosen if accept else None
        locked.responded_at = timezone.now()
        if locked.opened_at is None:
            locked.opened_at = locked.responded_at
        locked.save(
            update_fields=[
                "status",
                "plus_ones",
                "entry_window",
                "responded_at",
                "opened_at",
                "guest_name",
                "guest_email",
                "updated_at",
            ]
        )
        answer_changed(locked)
    return locked


def answer_link(
    link: Invite,
    *,
    name: str,
    email: str,
    plus_ones: int = 0,
    window: EntryWindow | None = None,
    language: str = "",
) -> Invite:
    """One guest answers a multi-use link: their own invite (accepted, or
    pending when the link needs approval) is created and takes one use.
    `language`: the one the visitor read the link in (unknown: the link's).

    The same capacity, golden and approval rules as `respond`. Raises
    InviteRevoked, RsvpClosed, LinkUsedUp, GuestDetailsRequired,
    PlusOnesExceeded, AlreadyAnswered, WindowRequired, WindowNotAdmitted,
    WindowFull or EventFull.
    """
    name, email = (name or "").strip(), (email or "").strip()
    current = Invite.objects.select_related("event").get(pk=link.pk)
    choice = _choose_window(current, current.event, window)
    counted = not current.golden and not current.needs_approval
    with locking_transaction():
        if current.portal_id is not None:
            # The answer's insert takes a KEY SHARE lock on the portal, which
            # revoking the link holds FOR UPDATE while it waits for the link:
            # queue on the portal first, in the lock order (portal -> invite).
            lock_row(Portal.objects.filter(pk=current.portal_id), no_key=True)
        event, chosen = lock_for_answer(current.event_id, choice.window, counted=counted)
        # Every answer to this link queues here: its last use goes to one guest.
        locked = lock_existing_row(Invite.objects.filter(pk=link.pk))
        if locked.status == Invite.Status.REVOKED:
            raise InviteRevoked()
        reason = rsvp_closed_reason(event)
        if reason:
            raise RsvpClosed(reason)
        if locked.uses_left <= 0:
            raise LinkUsedUp()
        name, email = _guest_details(name, email)
        _check_plus_ones(plus_ones, locked.plus_ones_allowed)
        if locked.answers.filter(guest_email__iexact=email).exists():
            raise AlreadyAnswered()
        if choice.problem is not None:
            raise choice.problem
        now = timezone.now()
        answer = Invite(
            organization_id=locked.organization_id,
            event_id=locked.event_id,
            batch_id=locked.batch_id,
            portal_id=locked.portal_id,
            parent=locked,
            guest_name=name,
            guest_email=email,
            label=locked.label,
            tags=list(locked.tags),
            metadata=dict(locked.metadata),
            invite_type_id=locked.invite_type_id,
            golden=locked.golden,
            needs_approval=locked.needs_approval,
            shared_with_organizer=locked.shared_with_organizer,
            plus_ones_allowed=locked.plus_ones_allowed,
            plus_ones=plus_ones,
            uses=1,
            uses_taken=1,
            language=recognized(language) or locked.language,
            entry_window=chosen,
            status=Invite.Status.PENDING if locked.needs_approval else Invite.Status.ACCEPTED,
            opened_at=now,
            responded_at=now,
        )
        if counted:
            check_capacity(answer, event=event, window=chosen, party=1 + plus_ones)
        try:
            # A savepoint: the unique index settles the same email arriving twice at once.
            with transaction.atomic():
                answer.save(force_insert=True)
        except IntegrityError as error:
            raise AlreadyAnswered() from error
        Invite.objects.filter(pk=locked.pk).update(uses_taken=F("uses_taken") + 1, updated_at=now)
        locked.uses_taken += 1
        if locked.opened_at is None:
            Invite.objects.filter(pk=locked.pk, opened_at__isnull=True).update(opened_at=now)
        answer_changed(answer)
    return answer
