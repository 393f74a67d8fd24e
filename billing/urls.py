from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("o/<slug:org_slug>/settings/billing/", views.billing_page, name="billing"),
]
