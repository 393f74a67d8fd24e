import pytest
from django.urls import reverse

ORG_PAGES = ["events:list", "organizations:settings", "organizations:team", "billing:billing"]


@pytest.mark.parametrize("name", ORG_PAGES)
def test_outsider_gets_404_on_every_organization_page(charlie_client, org, other_org, name):
    response = charlie_client.get(reverse(name, args=[org.slug]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ORG_PAGES)
def test_members_see_organization_pages(bob_client, org, name):
    response = bob_client.get(reverse(name, args=[org.slug]))
    assert response.status_code == 200
    assert org.name.encode() in response.content


@pytest.mark.parametrize("name", ORG_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, org, name):
    response = client.get(reverse(name, args=[org.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_unknown_organization_is_404_like_a_foreign_one(alice_client, org):
    assert alice_client.get(reverse("events:list", args=["no-such-org"])).status_code == 404
