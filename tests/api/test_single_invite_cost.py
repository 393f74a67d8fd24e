"""What one invite per API request costs: integrations post one guest at a time."""

from __future__ import annotations

from typing import Any

import pytest

from organizations.models import Organization
from portals.models import Portal
from tests.api.conftest import ApiClient
from tests.conftest import give_credits

# auth 1, portal 1, types 1, BEGIN, portal lock 1, allocation 3, batch 1, balance
# check 1, invites 3 (COPY and its foreign-key check), ledger 1, COMMIT, answer 1.
SINGLE_INVITE_QUERIES = 15


@pytest.mark.postgres
def test_one_invite_per_request_takes_a_fixed_few_queries(
    api: ApiClient,
    assigned_portal: Portal,
    org: Organization,
    django_assert_max_num_queries: Any,
) -> None:
    give_credits(org, invite=5)
    path = f"/portals/{assigned_portal.public_id}/invites"
    api.post(path, {"guests": [{"name": "First", "email": "first@example.com"}]})

    with django_assert_max_num_queries(SINGLE_INVITE_QUERIES):
        response = api.post(path, {"guests": [{"name": "Ada", "email": "ada@example.com"}]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert [invite["guest_name"] for invite in body["invites"]] == ["Ada"]
    assert body["invite_credits_remaining"] == 3
    assert body["emails_queued"] == 0


def test_the_answer_names_the_balance_and_the_emails_of_its_own_batch(
    api: ApiClient, assigned_portal: Portal, org: Organization
) -> None:
    give_credits(org, invite=5)
    path = f"/portals/{assigned_portal.public_id}/invites"

    sent = api.post(
        path,
        {"guests": [{"name": "Ada", "email": "ada@example.com"}, {"name": "Bo"}], "send": True},
    ).json()
    quiet = api.post(path, {"guests": [{"name": "Cy", "email": "cy@example.com"}]}).json()

    assert (sent["invite_credits_remaining"], sent["emails_queued"]) == (3, 1)
    assert (quiet["invite_credits_remaining"], quiet["emails_queued"]) == (2, 0)
