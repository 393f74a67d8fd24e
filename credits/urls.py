from django.urls import path

from credits import views

app_name = "credits"

urlpatterns = [
    path(
        "o/<slug:org_slug>/settings/billing/statement/",
        views.statement,
        name="statement",
    ),
    path(
        "o/<slug:org_slug>/settings/billing/statement.csv",
        views.statement_csv,
        name="statement_csv",
    ),
]
