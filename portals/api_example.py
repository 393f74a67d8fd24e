"""The API keys page's curl example (organizations/api_keys.py) names a claimed portal."""

from __future__ import annotations

from typing import Any

from organizations.hooks import api_example
from organizations.models import Organization
from portals.models import Portal


@api_example
def claimed_portal_example(organization: Organization) -> dict[str, Any]:
    # A real claimed portal, so the example works when run as written.
    portal = (
        Portal.objects.filter(organization=organization, status=Portal.Status.ASSIGNED)
        .values("public_id", "name")
        .first()
    )
    if portal is None:
        return {}
    return {"example_portal_id": portal["public_id"], "example_portal_name": portal["name"]}
