"""Shortcuts shared by the portal owner's and the invites tests."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from credits.models import CreditAccount, CreditEntry, CreditKind
from invites.models import Invite
from portals.models import Portal
from portals.owner_sessions import SESSION_KEY

OWNER_EMAIL = "owner@galerie-nord.example"


def assign(portal: Portal, email: str = OWNER_EMAIL) -> Portal:
    """An assigned portal without going through a claim (tests of what comes after)."""
    Portal.objects.filter(pk=portal.pk).update(
        status=Portal.Status.ASSIGNED, owner_email=email, assigned_at=timezone.now()
    )
    portal.refresh_from_db()
    return portal


def owner_client(portal: Portal) -> Client:
    """A browser signed in to `portal`, as after a claim or a code."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = {portal.public_id: portal.owner_email.lower()}
    session.save()
    return client


def balance(organization: Any, kind: str = CreditKind.INVITE) -> int:
    account = CreditAccount.objects.filter(organization=organization, kind=kind).first()
    return account.balance if account else 0


def entries(organization: Any, kind: str = CreditKind.INVITE, **filters: Any) -> list[CreditEntry]:
    return list(
        CreditEntry.objects.filter(organization=organization, kind=kind, **filters).order_by("id")
    )


def live_invites(portal: Portal) -> int:
    return Invite.objects.filter(portal=portal).exclude(status=Invite.Status.REVOKED).count()


def race(workers: int, work: Any) -> list[Any]:
    """Run `work(i)` in `workers` threads released at once; results or exceptions, in any order."""
    import threading

    barrier = threading.Barrier(workers)
    results: list[Any] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcome = work(i)
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def asks_to_sign_in(response: Any) -> bool:
    """An owner URL answered a browser not signed in to its portal with the
    portal's code sign-in (invites/owner_gate.py), not a 404."""
    return response.status_code == 302 and "/sign-in/?next=" in response["Location"]
