"""No radio button or checkbox on a question the person must answer is chosen before they
choose (GOV.UK guidance), and leaving it unanswered is an error in the error summary.

Each form that creates something is opened as a new record would be, its HTML parsed."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django import forms
from django.urls import reverse

from divert.referrals import actions as ref

TODAY = dt.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


class _Inputs(HTMLParser):
    """The names of checked radios and checkboxes, and the links in the error summary."""

    def __init__(self):
        super().__init__()
        self.checked: set[str] = set()
        self.summary_links: list[str] = []
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in {"radio", "checkbox"} and "checked" in a:
            self.checked.add(a["name"])
        if tag == "ul" and "govuk-error-summary__list" in (a.get("class") or ""):
            self._in_summary = True
        if tag == "a" and self._in_summary:
            self.summary_links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_summary = False


def _parse(html: str) -> _Inputs:
    parser = _Inputs()
    parser.feed(html)
    return parser


CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)


def _assert_nothing_chosen_and_required(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["form"]
    required = {name for name, f in form.fields.items() if f.required and isinstance(f.widget, CHOICE_WIDGETS)}
    assert not (_parse(response.content.decode()).checked & required), url
    response = client.post(url, {})
    assert response.status_code == 200, url
    links = _parse(response.content.decode()).summary_links
    for name in required:
        assert f"#id_{name}_0" in links, f"{url}: no error summary entry for {name}"
    return required


@pytest.fixture
def offered(personas):
    w = personas.worker_a
    r = ref.create_referral(by=w, child=personas.child_a, programme=personas.programme, source="police_cr",
                            received_on=dt.date(2025, 3, 3), today=TODAY)
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=dt.date(2025, 3, 4), today=TODAY)
    ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 3, 5), today=TODAY)
    return r


def test_pathway_forms_choose_nothing_for_the_worker(client, personas, offered):
    client.force_login(personas.worker_a)
    required = _assert_nothing_chosen_and_required(client, reverse("referrals:consent", args=[offered.pk]))
    assert "child_decision" in required
    for url in [reverse("people:new_child"), reverse("referrals:new", args=[personas.child_a.pk])]:
        _assert_nothing_chosen_and_required(client, url)


def test_screening_form_chooses_nothing(client, personas):
    client.force_login(personas.worker_a)
    r = ref.create_referral(by=personas.worker_a, child=personas.child_a, programme=personas.programme,
                            source="police_cr", received_on=dt.date(2025, 3, 3), today=TODAY)
    assert "decision" in _assert_nothing_chosen_and_required(client, reverse("referrals:screen", args=[r.pk]))


def test_casework_forms_choose_nothing_for_the_worker(client, personas, open_work):
    episode = open_work["episode"]
    client.force_login(personas.worker_a)
    required = _assert_nothing_chosen_and_required(client, reverse("casework:assessment", args=[episode.pk]))
    assert "exploitation_risk" in required
    # The need levels are lists: each starts on "Select a level" and must be answered.
    page = client.get(reverse("casework:assessment", args=[episode.pk])).content.decode()
    select = re.search(r'<select[^>]*name="need_education".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""]
    errors = client.post(reverse("casework:assessment", args=[episode.pk]), {}).context["form"].errors
    assert errors["need_education"] == ["Select the level of need for education and school"]
    for name in ["plan", "session", "onward", "close"]:
        _assert_nothing_chosen_and_required(client, reverse(f"casework:{name}", args=[episode.pk]))


def test_officer_and_administrator_forms_choose_nothing(client, personas):
    client.force_login(personas.performance_officer)
    assert "on_problems" in _assert_nothing_chosen_and_required(client, reverse("imports:upload"))
    for name in ["kpis:comparator_add", "kpis:rag_threshold_edit", "kpis:reference:population_add",
                 "kpis:reference:board_meeting_add", "kpis:reference:offence_type_add"]:
        _assert_nothing_chosen_and_required(client, reverse(name))
    client.force_login(personas.administrator)
    assert "roles" in _assert_nothing_chosen_and_required(client, reverse("accounts:new_user"))
