import pytest

from tests.browser.conftest import serious_accessibility_violations


@pytest.mark.django_db(transaction=True)
def test_landing_page_renders_in_a_real_browser(live_server, page, shot):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("link", name="Create an account").is_visible()
    shot(page, "landing")
    assert serious_accessibility_violations(page) == []
