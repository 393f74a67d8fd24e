from anymail.urls import urlpatterns as anymail_urlpatterns
from django.urls import include, path

from deliveries import views

# Only the tracking webhooks: anymail's inbound-mail endpoints would accept
# email posted to us, which nothing here reads.
TRACKING_WEBHOOKS = [
    pattern for pattern in anymail_urlpatterns if (pattern.name or "").endswith("_tracking_webhook")
]

app_name = "deliveries"

urlpatterns = [
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/",
        views.organizer_send,
        name="organizer_send",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/progress/",
        views.organizer_progress,
        name="organizer_progress",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/preview/<slug:key>/",
        views.organizer_preview,
        name="organizer_preview",
    ),
    path("portal/<str:public_id>/email/", views.owner_send, name="owner_send"),
    path("portal/<str:public_id>/email/progress/", views.owner_progress, name="owner_progress"),
    path(
        "portal/<str:public_id>/email/preview/<slug:key>/",
        views.owner_preview,
        name="owner_preview",
    ),
    # The email provider's tracking webhooks (anymail): /anymail/<esp>/tracking/
    path("anymail/", include((TRACKING_WEBHOOKS, "anymail"))),
]
