from __future__ import annotations

from datetime import UTC

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from artsvp.csv_safe import csv_response, write_rows
from artsvp.keyset import keyset_page
from credits.forms import StatementFilterForm
from credits.models import CreditEntry, CreditKind
from credits.statement import RowBuilder, StatementFilters, statement_entries
from organizations.access import OrganizationRequest, organization_view

STATEMENT_PAGE_SIZE = 50
# Newest first: the id is the ledger's own order (entries are append-only), and
# unique; the `entry_org_newest` index serves it.
STATEMENT_ORDER = ("-id",)
CSV_HEADER = [
    _("Date (UTC)"),
    _("Credits"),
    _("Reason"),
    _("Credits in"),
    _("Credits out"),
    _("Balance after"),
    _("Reference"),
    _("By"),
    _("Memo"),
]


def _filters(request: HttpRequest) -> tuple[StatementFilterForm, StatementFilters]:
    form = StatementFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        return form, StatementFilters(
            kind=data["kind"],
            reason=data["reason"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    # Showing everything under a filter the user got wrong would mislead:
    # nothing matches until the errors shown next to the fields are fixed.
    return form, StatementFilters(invalid=form.is_bound)


@organization_view
def statement(request: OrganizationRequest) -> HttpResponse:
    """Every ledger entry of the organization, newest first, filterable."""
    organization = request.organization
    form, filters = _filters(request)
    entries = statement_entries(organization, filters)
    page = keyset_page(
        entries,
        order=STATEMENT_ORDER,
        cursor=request.GET.get("cursor"),
        per_page=STATEMENT_PAGE_SIZE,
    )
    rows = list(RowBuilder(organization).rows(page.rows))
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "credits/statement.html",
        {
            "nav_section": "settings",
            "settings_tab": "billing",
            "form": form,
            "filters": filters,
            "page": page,
            "rows": rows,
            "filter_query": query.urlencode(),
            # Of every page the filters select: one count query, whatever the depth.
            "total": entries.count() if page.has_other_pages else len(rows),
        },
    )


@organization_view
def statement_csv(request: OrganizationRequest) -> HttpResponse:
    """The filtered statement as a CSV that is safe to open in a spreadsheet."""
    organization = request.organization
    _form, filters = _filters(request)
    entries = statement_entries(organization, filters)
    builder = RowBuilder(organization)
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = csv_response(f"{organization.slug}-credit-statement-{stamp}.csv", bom=True)
    write_rows(
        response,
        CSV_HEADER,
        (
            (
                row.entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                CreditKind(row.entry.kind).label,
                CreditEntry.Reason(row.entry.reason).label,
                row.credits_in,
                row.credits_out,
                row.entry.balance_after,
                row.reference,
                row.actor,
                row.entry.memo,
            )
            for row in builder.rows(entries.iterator(chunk_size=2000))
        ),
    )
    return response
