"""The workflow table (cases.workflow) drives the case page's buttons, the POST dispatch and the actions' statuses."""

import re

import pytest
from django.urls import reverse

from cases import workflow
from cases.actions.workflow import case_accept, case_resolve
from cases.errors import CaseError
from cases.models import Case


def _page(client, case) -> str:
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_the_next_step_is_the_one_primary_button_and_the_rest_are_under_more(client_for, users, routed, make_case):
    case = make_case()  # dispatched at once by the rule to the worker's committee
    html = _page(client_for(users["worker"]), case)
    actions = html[html.index('id="actions"') :]
    primary, more = actions.split('<details class="more">', 1)
    assert 'id="step-accept"' in primary and 'class="button primary"' in primary
    assert re.findall(r'id="step-(\w+)"', primary) == ["accept"]
    assert 'id="step-resolve"' in more and 'id="step-accept"' not in more
    assert "更多" in more


def test_every_form_on_the_case_page_has_its_own_element_ids(client_for, users, routed, make_case):
    case = make_case()
    # the unit's own worker: 签收 is offered only to the unit's members (a dispatcher above it may not take it)
    html = _page(client_for(users["worker"]), case)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert 'id="id_resolve_note"' in html and 'id="id_accept_note"' in html


def test_the_page_offers_exactly_the_steps_of_the_table(users, routed, make_case):
    case = make_case()
    names = [s.name for s in workflow.offered(users["worker"], case)]
    assert names[0] == "accept" and "resolve" in names and "dispatch" not in names
    case_resolve(case=case, by=users["worker"], note="已修好")
    names = [s.name for s in workflow.offered(users["worker"], case)]
    assert names[0] == "visit" and "resolve" not in names and "pause" not in names


def test_a_step_posted_in_a_status_it_does_not_start_from_is_refused_in_chinese(client_for, users, routed, make_case):
    case = make_case()
    case_resolve(case=case, by=users["worker"], note="已修好")
    client = client_for(users["worker"])
    response = client.post(
        reverse("cases:act", args=[case.pk, "accept"]), {"note": "", "version": case.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "不能执行此操作" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED


def test_an_unknown_step_is_not_found(client_for, users, routed, make_case):
    case = make_case()
    response = client_for(users["worker"]).post(reverse("cases:act", args=[case.pk, "teleport"]), {})
    assert response.status_code == 404


def test_the_actions_start_from_the_statuses_the_table_gives(users, routed, make_case, monkeypatch):
    case = make_case()
    accept = workflow.STEPS["accept"]
    monkeypatch.setitem(
        workflow.STEPS, "accept", workflow.Step(**{**accept.__dict__, "from_states": (Case.Status.NEW,)})
    )
    with pytest.raises(CaseError, match="不能执行此操作"):
        case_accept(case=case, by=users["worker"])


@pytest.mark.parametrize("name", list(workflow.STEPS))
def test_every_step_has_a_label_a_form_and_statuses(name):
    step = workflow.STEPS[name]
    assert step.label and step.from_states and step.may
    assert set(step.from_states) <= set(Case.Status)
