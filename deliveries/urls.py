from django.conf import settings
from django.urls import include, path

from deliveries.webhooks import tracking_urlpatterns

# Only the configured provider's tracking webhook, guarded (deliveries/webhooks.py):
# no other provider's URL, and no inbound-mail endpoint (nothing here reads mail).
TRACKING_WEBHOOKS = tracking_urlpatterns(getattr(settings, "ANYMAIL_ESP", ""))

app_name = "deliveries"

urlpatterns = [
    # The email provider's tracking webhook (anymail): /anymail/<esp>/tracking/
    path("anymail/", include((TRACKING_WEBHOOKS, "anymail"))),
]
