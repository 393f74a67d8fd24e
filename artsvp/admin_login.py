"""The Django admin signs in through django-allauth's login page.

Django's own admin login form has no limit on wrong passwords. allauth's login
counts failed attempts per client address and per account (`login_failed` in
ACCOUNT_RATE_LIMITS, and `login` per address) and then refuses even the right
password for a while, so /admin/login/ only sends people there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Replaces `admin.site.login`: never checks a password itself."""
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url, login_url=settings.LOGIN_URL)
    if user.is_active and user.is_staff:
        return HttpResponseRedirect(next_url)
    # Django's form would offer to sign in as someone else right here, with no
    # limit; the account menu's log out is the way to switch accounts.
    raise PermissionDenied(
        gettext("Your account is not a staff account, so it cannot open the admin.")
    )
