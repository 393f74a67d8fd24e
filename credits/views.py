from __future__ import annotations

from datetime import UTC

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from artsvp.csv_safe import csv_response, write_rows
from credits.forms import StatementFilterForm
from credits.models import CreditEntry, CreditKind
from credits.statement import RowBuilder, StatementFilters, statement_entries
from organizations.access import OrganizationRequest, organization_view

STATEMENT_PAGE_SIZE = 50
CSV_HEADER = [
    "Date (UTC)",
    "Credits",
    "Reason",
    "Credits in",
    "Credits out",
    "Balance after",
    "Reference",
    "By",
    "Memo",
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
    paginator = Paginator(statement_entries(organization, filters), STATEMENT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(RowBuilder(organization).rows(page.object_list))
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
            "total": paginator.count,
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
