from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from invites import send_views
from invites.owner import recovery, sign_in
from invites.owner import views as owner_views

app_name = "owner"

urlpatterns = [
    # The secret link and the pages that still need it (signing in).
    path("p/<token:token>/", sign_in.portal_link, name="link"),
    path("p/<token:token>/sign-in/", sign_in.request_code, name="request_code"),
    path("p/<token:token>/code/", sign_in.enter_code, name="enter_code"),
    path("p/<token:token>/language/", sign_in.link_language, name="link_language"),
    # A signed-in owner's pages: no token in the URL, the session decides.
    path("portal/signed-out/", owner_views.signed_out, name="signed_out"),
    path("portal/<publicid:public_id>/", owner_views.dashboard, name="dashboard"),
    path("portal/<publicid:public_id>/arrivals/", owner_views.arrivals, name="arrivals"),
    path("portal/<publicid:public_id>/invites/new/", owner_views.add_invites, name="add_invites"),
    path("portal/<publicid:public_id>/invites.csv", owner_views.export_invites, name="export"),
    path(
        "portal/<publicid:public_id>/invites/<publicid:invite_id>/edit/",
        owner_views.edit_invite,
        name="edit_invite",
    ),
    path(
        "portal/<publicid:public_id>/invites/<publicid:invite_id>/revoke/",
        owner_views.revoke,
        name="revoke_invite",
    ),
    path("portal/<publicid:public_id>/sender/", owner_views.sender, name="sender"),
    # Any owner URL without a session lands here (invites/owner_gate.py), and comes back.
    path("portal/<publicid:public_id>/sign-in/", recovery.sign_in, name="sign_in"),
    path("portal/<publicid:public_id>/sign-in/code/", recovery.sign_in_code, name="sign_in_code"),
    path("portal/<publicid:public_id>/sign-out/", owner_views.sign_out, name="sign_out"),
    path("portal/<publicid:public_id>/language/", owner_views.language, name="language"),
    # Emailing the portal's invites (invites/send_views.py).
    path("portal/<publicid:public_id>/email/", send_views.owner_send, name="send"),
    path(
        "portal/<publicid:public_id>/email/progress/",
        send_views.owner_progress,
        name="send_progress",
    ),
    path(
        "portal/<publicid:public_id>/email/preview/<slug:key>/",
        send_views.owner_preview,
        name="send_preview",
    ),
]
