"""The REST API: one NinjaAPI, a router per app (each app's api.py)."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="artsvp API",
    version="1",
    urls_namespace="api",
    description="Generate and use invites programmatically.",
)
