from django.urls import path

import artsvp.converters  # noqa: F401 (registers the <publicid:> and <token:> converters)
from portals import bulk_views, type_views, views, window_views

app_name = "portals"

ORG = "o/<slug:org_slug>"
GROUP = f"{ORG}/groups/<publicid:group_id>"
PORTAL = f"{ORG}/portals/<publicid:portal_id>"
TYPE = f"{GROUP}/types/<publicid:type_id>"
EVENT = f"{ORG}/events/<slug:event_slug>"
WINDOW = f"{EVENT}/windows/<publicid:window_id>"

urlpatterns = [
    path(f"{ORG}/events/<slug:event_slug>/groups/new/", views.group_create, name="group_create"),
    path(f"{GROUP}/", views.group_detail, name="group_detail"),
    path(f"{GROUP}/edit/", views.group_edit, name="group_edit"),
    path(f"{GROUP}/portals/new/", views.portal_create, name="portal_create"),
    path(f"{GROUP}/portals/import/", views.portal_import, name="portal_import"),
    path(
        f"{GROUP}/portals/import/confirm/",
        views.portal_import_confirm,
        name="portal_import_confirm",
    ),
    path(
        f"{GROUP}/portals/import/skipped.csv",
        views.portal_import_skipped,
        name="portal_import_skipped",
    ),
    path(
        f"{GROUP}/portals/import/template.csv",
        views.portal_import_template,
        name="portal_import_template",
    ),
    path(f"{GROUP}/types/new/", type_views.type_create, name="type_create"),
    # --- Bulk portal links, reminders, CSV export (portals/bulk_views.py) ---
    path(f"{GROUP}/links/", bulk_views.bulk_links_page, name="bulk_links"),
    path(f"{GROUP}/links/progress/", bulk_views.bulk_links_progress, name="bulk_links_progress"),
    path(f"{GROUP}/links/reminders/", bulk_views.link_reminders, name="link_reminders"),
    path(f"{GROUP}/portals.csv", bulk_views.portals_csv, name="portals_csv"),
    # --- end of bulk portal links ---
    path(f"{TYPE}/edit/", type_views.type_edit, name="type_edit"),
    path(f"{TYPE}/archive/", type_views.type_archive, name="type_archive"),
    path(f"{EVENT}/windows/new/", window_views.window_create, name="window_create"),
    path(f"{WINDOW}/edit/", window_views.window_edit, name="window_edit"),
    path(f"{WINDOW}/delete/", window_views.window_delete, name="window_delete"),
    path(f"{PORTAL}/", views.portal_detail, name="portal_detail"),
    path(f"{PORTAL}/edit/", views.portal_edit, name="portal_edit"),
    path(f"{PORTAL}/send-link/", views.portal_send_link, name="portal_send_link"),
    path(f"{PORTAL}/owner/", views.portal_change_owner, name="portal_change_owner"),
    path(f"{PORTAL}/revoke/", views.portal_revoke, name="portal_revoke"),
]
