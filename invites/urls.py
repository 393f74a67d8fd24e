from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from invites import answer_for_guest_views, approval_views, guest_list_views, send_views, views

app_name = "invites"

urlpatterns = [
    path("i/<token:token>/", views.guest_page, name="guest"),
    path("i/<token:token>/language/", views.guest_language, name="guest_language"),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/",
        guest_list_views.guest_list,
        name="guest_list",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests.csv",
        guest_list_views.guest_list_csv,
        name="guest_list_csv",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/invites/new/",
        views.organizer_generate,
        name="organizer_generate",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/invites/<publicid:invite_id>/revoke/",
        views.organizer_revoke,
        name="organizer_revoke",
    ),
    # Answers waiting for approval (invites/approval_views.py).
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/<publicid:invite_id>/approve/",
        approval_views.approve_answer,
        name="approve",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/<publicid:invite_id>/decline/",
        approval_views.decline_answer,
        name="decline",
    ),
    # An answer given by phone or email (invites/answer_for_guest_views.py).
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/<publicid:invite_id>/answer/",
        answer_for_guest_views.answer_for_guest,
        name="answer_for_guest",
    ),
    # Emailing invites (invites/send_views.py).
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/",
        send_views.organizer_send,
        name="send",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/progress/",
        send_views.organizer_progress,
        name="send_progress",
    ),
    path(
        "o/<slug:org_slug>/events/<slug:event_slug>/guests/email/preview/<slug:key>/",
        send_views.organizer_preview,
        name="send_preview",
    ),
]
