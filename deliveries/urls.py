from django.conf import settings
from django.urls import include, path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from deliveries import views
from deliveries.webhooks import tracking_urlpatterns

# Only the configured provider's tracking webhook, guarded (deliveries/webhooks.py):
# no other provider's URL, and no inbound-mail endpoint (nothing here reads mail).
TRACKING_WEBHOOKS = tracking_urlpatterns(getattr(settings, "ANYMAIL_ESP", ""))

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
    path("portal/<publicid:public_id>/email/", views.owner_send, name="owner_send"),
    path(
        "portal/<publicid:public_id>/email/progress/",
        views.owner_progress,
        name="owner_progress",
    ),
    path(
        "portal/<publicid:public_id>/email/preview/<slug:key>/",
        views.owner_preview,
        name="owner_preview",
    ),
    # The email provider's tracking webhook (anymail): /anymail/<esp>/tracking/
    path("anymail/", include((TRACKING_WEBHOOKS, "anymail"))),
]
