"""A form sent twice (double click, Back and resubmit, two requests at once) or an API request
retried with the same Idempotency-Key records one item; the second answer shows the first."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from divert.accounts.actions import issue_token
from divert.api import urls as api_urls
from divert.casework.models import Session
from divert.core.models import Submission
from divert.core.submissions import ALREADY_RECORDED
from divert.people.models import Child

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _session_form(client, episode) -> tuple[str, dict]:
    url = f"/episodes/{episode.pk}/sessions/new/"
    page = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return url, {**_date("date", dt.date(2025, 4, 1)), "type": "one_to_one", "attendance": "attended",
                 "form_token": token}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.usefixtures("frozen")
def test_a_double_click_records_one_session_and_the_second_shows_it(client, personas, open_work):
    client.force_login(personas.worker_a)
    url, data = _session_form(client, open_work["episode"])
    before = Session.objects.count()
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert Session.objects.count() == before + 1
    assert first.status_code == 302
    assert second.redirect_chain[0][0] == first.url  # the child's record, where the session is
    assert ALREADY_RECORDED in _messages(second)


@pytest.mark.usefixtures("frozen")
def test_back_and_resubmit_with_an_error_fixed_still_records_once(client, personas, open_work):
    """The form shown again with an error keeps its token: it is still the same submission."""
    client.force_login(personas.worker_a)
    url, data = _session_form(client, open_work["episode"])
    shown_again = client.post(url, {**data, "attendance": ""})
    assert shown_again.status_code == 200
    assert f'value="{data["form_token"]}"' in shown_again.content.decode()
    before = Session.objects.count()
    assert client.post(url, data).status_code == 302
    # Back to the form (the browser keeps what was typed, the token included) and Save again.
    again = client.post(url, data, follow=True)
    assert Session.objects.count() == before + 1
    assert ALREADY_RECORDED in _messages(again)


@pytest.mark.usefixtures("frozen")
def test_a_refused_submission_can_be_corrected_and_sent_with_the_same_token(client, personas, open_work):
    client.force_login(personas.worker_a)
    url, data = _session_form(client, open_work["episode"])
    refused = client.post(url, {**data, "type": "tea_party"})  # refused by the action, nothing kept
    assert refused.status_code == 200
    before = Session.objects.count()
    assert client.post(url, data).status_code == 302
    assert Session.objects.count() == before + 1


@pytest.mark.usefixtures("frozen")
def test_the_token_is_per_user(client, personas, open_work):
    """Another person sending the same token is not told about the first person's item."""
    client.force_login(personas.worker_a)
    url, data = _session_form(client, open_work["episode"])
    client.post(url, data)
    client.force_login(personas.team_manager)
    before = Session.objects.count()
    assert client.post(url, data).status_code == 302
    assert Session.objects.count() == before + 1


@pytest.mark.usefixtures("frozen")
def test_new_child_page_sent_twice_records_one_child(client, personas):
    client.force_login(personas.worker_a)
    page = client.get("/children/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {"first_name": "Nia", "last_name": "Okafor", **_date("date_of_birth", dt.date(2011, 2, 3)),
            "sex": "female", "ethnicity": "NOBT", "area_code": "", "form_token": token}
    first = client.post("/children/new/", data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post("/children/new/", data, follow=True)
    assert Child.objects.filter(first_name="Nia").count() == 1
    assert ALREADY_RECORDED in _messages(second)


# ---- The API ---------------------------------------------------------------------------


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


@pytest.mark.usefixtures("frozen")
def test_the_api_with_the_same_key_twice_records_once_and_answers_the_same(client, personas, open_work):
    headers = {**_auth(personas.worker_a), "HTTP_IDEMPOTENCY_KEY": "session-2025-04-01-a"}
    url = f"/api/episodes/{open_work['episode'].pk}/sessions/"
    body = {"date": "2025-04-01", "type": "family", "attendance": "attended", "notes": "Met at home."}
    before = Session.objects.count()
    first = client.post(url, body, content_type="application/json", **headers)
    second = client.post(url, body, content_type="application/json", **headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert Session.objects.count() == before + 1
    # The stored answer is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM core_submission WHERE kind = 'api'")
        (stored,) = cursor.fetchone()
    assert "family" not in stored


@pytest.mark.usefixtures("frozen")
def test_the_same_key_with_a_different_body_is_refused(client, personas, open_work):
    headers = {**_auth(personas.worker_a), "HTTP_IDEMPOTENCY_KEY": "session-2025-04-01-b"}
    url = f"/api/episodes/{open_work['episode'].pk}/sessions/"
    body = {"date": "2025-04-01", "type": "family", "attendance": "attended"}
    assert client.post(url, body, content_type="application/json", **headers).status_code == 201
    before = Session.objects.count()
    other = client.post(url, {**body, "date": "2025-04-02"}, content_type="application/json", **headers)
    assert other.status_code == 422
    assert "already used for a different request" in other.json()["detail"]
    assert Session.objects.count() == before


@pytest.mark.usefixtures("frozen")
def test_a_refused_api_request_can_be_sent_again_with_the_same_key(client, personas):
    headers = {**_auth(personas.worker_a), "HTTP_IDEMPOTENCY_KEY": "referral-key-0001"}
    body = {"child": personas.child_a.pk, "programme": personas.programme.pk, "source": "school",
            "received_on": "2025-07-30"}
    refused = client.post("/api/referrals/", body, content_type="application/json", **headers)
    assert refused.status_code == 400  # in the future
    corrected = {**body, "received_on": "2025-06-01"}
    # A different body after a refusal is a new attempt, not a reuse: nothing was kept.
    assert client.post("/api/referrals/", corrected, content_type="application/json", **headers).status_code == 201
    assert not Submission.objects.filter(key="referral-key-0001", status__isnull=True).exists()


@pytest.mark.usefixtures("frozen")
def test_a_malformed_key_is_refused(client, personas, open_work):
    headers = {**_auth(personas.worker_a), "HTTP_IDEMPOTENCY_KEY": "short"}
    url = f"/api/episodes/{open_work['episode'].pk}/sessions/"
    response = client.post(url, {"date": "2025-04-01", "type": "family", "attendance": "attended"},
                           content_type="application/json", **headers)
    assert response.status_code == 400


def test_every_api_write_honours_the_idempotency_key():
    """A new write added to the API without the decorator fails here."""
    writes = {}
    for _prefix, viewset, _basename in api_urls.router.registry:
        if hasattr(viewset, "create"):  # the router routes POST to the list address
            writes[f"{viewset.__name__}.create"] = viewset.create
        for extra in viewset.get_extra_actions():
            if "post" in extra.mapping:
                writes[f"{viewset.__name__}.{extra.__name__}"] = extra
    assert "ContactViewSet.create" in writes and "EpisodeViewSet.sessions" in writes
    assert [name for name, handler in writes.items() if not getattr(handler, "idempotent", False)] == []


# ---- Two at once (PostgreSQL: SQLite runs one writer at a time anyway) ----------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_posts_at_once_record_one_session(personas, open_work):
    episode = open_work["episode"]
    setup = Client()
    setup.force_login(personas.worker_a)
    url, data = _session_form(setup, episode)
    before = Session.objects.count()
    start = threading.Barrier(2)
    answers: list[int] = []

    def post():
        try:
            client = Client()
            client.force_login(personas.worker_a)
            start.wait(10)
            answers.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [302, 302]
    assert Session.objects.count() == before + 1
    assert Submission.objects.filter(key=data["form_token"]).count() == 1
