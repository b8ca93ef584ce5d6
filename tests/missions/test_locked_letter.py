"""A letter locked for a change keeps the caller's reading of its relations while they are
still the row's, and reads them otherwise."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.scopes import scope_for
from missions.models import Letter
from missions.selectors_letters import get_letter_for_editor
from missions.services_letters import _locked
from tests.missions.letters import draft_letter, publish_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(poitiers):
    publish_template(poitiers)
    return draft_letter(poitiers)


def test_the_lock_reads_the_row_alone_and_reuses_the_callers_relations(poitiers, letter):
    read = get_letter_for_editor(scope_for(poitiers.principal), letter.pk)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = _locked(read)
        names = (locked.establishment.name, locked.referent.user.email, locked.template.title)
    assert len(queries) == 1
    assert "JOIN" not in queries[0]["sql"]
    assert locked.establishment is read.establishment
    assert names == (read.establishment.name, read.referent.user.email, read.template.title)


def test_a_relation_the_caller_did_not_read_or_that_changed_is_read_from_the_row(letter):
    bare = Letter.objects.get(pk=letter.pk)
    # The caller's copy says the letter amends one; the row says it amends none.
    bare.supersedes = Letter.objects.get(pk=letter.pk)
    assert letter.supersedes_id is None
    with transaction.atomic():
        locked = _locked(bare)
        assert locked.establishment == letter.establishment
        assert locked.supersedes_id == letter.supersedes_id
        assert locked.supersedes is None
