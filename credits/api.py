"""Credits in the API: balances and the statement."""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema

from artsvp.api_support import PageQuery, api_enum, errors, paginate
from credits.ledger import balances
from credits.models import CreditEntry, CreditKind
from credits.statement import StatementFilters, statement_entries
from organizations.api_auth import ApiRequest

router = Router()

CreditReason = api_enum("CreditReason", CreditEntry.Reason)


class BalancesOut(Schema):
    portal_credits: int
    invite_credits: int


class EntryOut(Schema):
    kind: CreditKind
    amount: int
    balance_after: int
    reason: CreditReason  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)
    memo: str
    purchase_id: str | None
    portal_id: str | None
    invite_batch_id: str | None
    created_at: datetime


class EntryQuery(PageQuery):
    kind: CreditKind | None = None
    reason: CreditReason | None = None  # type: ignore[valid-type]  # api_enum builds this enum at run time (its own OpenAPI name)


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None


def _entry_out(entry: CreditEntry) -> EntryOut:
    return EntryOut(
        kind=CreditKind(entry.kind),
        amount=entry.amount,
        balance_after=entry.balance_after,
        reason=CreditReason(entry.reason),
        memo=entry.memo,
        purchase_id=entry.purchase.public_id if entry.purchase else None,
        portal_id=entry.portal.public_id if entry.portal else None,
        invite_batch_id=entry.invite_batch.public_id if entry.invite_batch else None,
        created_at=entry.created_at,
    )


@router.get("/credits", response={200: BalancesOut, **errors()}, summary="Credit balances")
def get_credits(request: ApiRequest) -> BalancesOut:
    current = balances(request.organization)
    return BalancesOut(portal_credits=current.portal, invite_credits=current.invite)


@router.get(
    "/credits/entries",
    response={200: EntryPage, **errors(422)},
    summary="The credit statement: every ledger entry, newest first",
    description="The same entries as the statement page; filter by `kind` and `reason`.",
)
def list_credit_entries(request: ApiRequest, query: Query[EntryQuery]) -> EntryPage:
    filters = StatementFilters(
        kind=query.kind.value if query.kind else "",
        reason=query.reason.value if query.reason else "",
    )
    entries = statement_entries(request.organization, filters)
    items, next_cursor = paginate(entries, query)
    return EntryPage(items=[_entry_out(entry) for entry in items], next_cursor=next_cursor)
