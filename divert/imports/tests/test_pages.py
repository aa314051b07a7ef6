"""The web import for performance officers: upload, preview of problems, confirm, background run."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from divert.accounts.actions import create_user
from divert.imports.models import ImportRun, MatchReview
from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.models import Outcome

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Background tasks run at once, in the request."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def officer(client, personas):
    client.force_login(personas.performance_officer)
    return client


def post_file(client, source, data: bytes, name="extract.csv", on_problems="refuse"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("imports:upload"), {
        "file": upload, "source": source.pk, "complete_to_0": "31", "complete_to_1": "5",
        "complete_to_2": "2025", "mapping": "", "on_problems": on_problems,
    })


def test_only_performance_officers_may_import(client, personas, source):
    for user in (personas.service_manager, personas.worker_a, personas.administrator):
        client.force_login(user)
        assert client.get(reverse("imports:upload")).status_code == 403


def test_upload_shows_the_problems_and_writes_nothing(officer, source):
    rows = [outcome_row("A", local_id="N-0001"), outcome_row("B", local_id="N-0001", date_of_birth="31/02/2010")]
    response = post_file(officer, source, to_csv(rows))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:run", args=[run.pk])
    page = officer.get(response.url).content.decode()
    assert "&#x27;31/02/2010&#x27; is not a real date" in page
    assert run.status == ImportRun.Status.REFUSED and not run.stored_path
    assert "Nothing was written" in page
    assert not Outcome.objects.exists()


def test_while_a_file_is_checked_its_page_shows_progress(officer, source, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    post_file(officer, source, to_csv([outcome_row("A", local_id="N-0001")]))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.CHECKING
    page = officer.get(reverse("imports:run", args=[run.pk])).content.decode()
    assert "Waiting to be checked" in page and "Refresh to see progress" in page


def test_a_valid_upload_is_checked_confirmed_and_run_as_background_tasks(officer, source):
    post_file(officer, source, to_csv([outcome_row("A", local_id="N-0001")]))
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED and run.stored_path
    assert "Import the file" in officer.get(reverse("imports:run", args=[run.pk])).content.decode()
    officer.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.COMPLETE and run.rows_created == 1 and not run.stored_path
    assert Outcome.objects.count() == 1
    officer.post(reverse("imports:confirm", args=[run.pk]))  # a second confirm does nothing
    assert ImportRun.objects.get().rows_created == 1


def test_valid_rows_only_gives_a_download_only_the_right_people_get(officer, client, personas, source):
    rows = [outcome_row("A", local_id="N-0001"), outcome_row("B", sex="Q")]
    post_file(officer, source, to_csv(rows), on_problems="valid_rows")
    run = ImportRun.objects.get()
    officer.post(reverse("imports:confirm", args=[run.pk]))
    url = reverse("imports:errors", args=[run.pk])
    response = officer.get(url)
    assert response.status_code == 200
    assert b"is not a sex code" in b"".join(response.streaming_content)
    client.force_login(personas.service_manager)
    assert client.get(url).status_code == 404
    client.force_login(personas.other_org_worker)
    assert client.get(url).status_code == 404


def test_another_organisations_import_is_not_found(client, personas, source, officer):
    post_file(officer, source, to_csv([outcome_row("A", local_id="N-0001")]))
    run = ImportRun.objects.get()

    south_officer = create_user(by=None, username="south_po", password=None,
                                roles=["performance_officer"], organisation=personas.south)
    client.force_login(south_officer)
    assert client.get(reverse("imports:run", args=[run.pk])).status_code == 404


def test_a_reviewer_decides_a_queued_match_on_the_page(officer, personas, source, run_import):
    run_import(to_csv([outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")]))
    review = MatchReview.objects.get()
    assert "Decide" in officer.get(reverse("imports:reviews")).content.decode()
    page = officer.get(reverse("imports:review", args=[review.pk])).content.decode()
    assert "Alfie Testchild, born 14/03/2010" in page
    assert "Alfy Testchild" in page and "14/03/2010</dd>" in page
    response = officer.post(reverse("imports:review", args=[review.pk]), {"decision": f"child:{personas.child_a.pk}"})
    assert response.status_code == 302
    assert Outcome.objects.get().child_id == personas.child_a.pk
