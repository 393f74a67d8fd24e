from django.apps import AppConfig


class DoorConfig(AppConfig):
    name = "door"
    verbose_name = "Door"

    def ready(self) -> None:
        # local import: models and the app registry are not ready when this module loads.
        from door import (
            arrivals,  # noqa: F401 (who arrived, for the guest lists and the API, invites/hooks.py)
            emails,  # noqa: F401 (registers the confirmation emails and their files)
            event_page,  # noqa: F401 (the door's link and live counts on the event page)
            guest_page,  # noqa: F401 (the QR code on the guest page, invites/hooks.py)
            services,  # noqa: F401 (hears about answers, invites/hooks.py)
            staff_emails,  # noqa: F401 (registers the event staff access email)
            tasks,  # noqa: F401 (hears about moved events and windows, events/hooks.py)
        )

        # local import: as above (the staff modules reach models and views).
        from door.staff import attach_pending_grants, granted_event_ids, staff_summaries
        from door.staff_views import staff_home
        from events.page import register_event_page_part
        from organizations.hooks import EventStaff, on_member_joined, register_event_staff

        register_event_staff(
            EventStaff(
                granted_event_ids=granted_event_ids, home=staff_home, summaries=staff_summaries
            )
        )
        on_member_joined(attach_pending_grants)
        register_event_page_part(
            "door_staff", context=lambda event: {}, templates={"actions": "door/_staff_action.html"}
        )
