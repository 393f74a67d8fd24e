"""The door's confirmation on PostgreSQL when it is told about one answer several times at once."""

from __future__ import annotations

import pytest

from deliveries.models import Delivery
from door.models import CheckInPass
from door.services import CONFIRMATION, sync_confirmation
from invites.models import Invite
from tests.invites.helpers import race
from tests.invites.windows import invites_of


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_being_told_at_once_makes_one_pass_and_one_confirmation(event):
    [invite] = invites_of(event)
    Invite.objects.filter(pk=invite.pk).update(status=Invite.Status.ACCEPTED)
    outcomes = race(4, lambda i: sync_confirmation(invite.pk))
    assert outcomes == [None] * 4
    assert CheckInPass.objects.filter(invite=invite).count() == 1
    assert Delivery.objects.filter(template=CONFIRMATION, object_id=invite.pk).count() == 1
