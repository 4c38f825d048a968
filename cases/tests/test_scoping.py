"""Who sees which case: staff roles by region subtree, unit members by assignment, nobody else."""

import pytest
from django.urls import reverse

from cases.actions.workflow import case_dispatch
from cases.models import Case
from cases.selectors import get_case_for_user


@pytest.fixture
def two_cases(world, make_case, users):
    penglai = make_case()
    tianping = make_case(region=world.shaanxi_grid, by=users["worker_tianping"], title="陕西南路粪管")
    return penglai, tianping


@pytest.mark.parametrize(
    "persona, sees_penglai, sees_tianping",
    [
        ("worker", True, False),
        ("worker_wenmiao", False, False),  # another neighbourhood of the same subdistrict
        ("staff", True, False),  # the subdistrict sees its neighbourhoods
        ("staff_tianping", False, True),
        ("admin", True, False),  # admin of 黄浦区
        ("leader", False, False),  # aggregates only (dashboard)
        ("partner", False, False),  # until a case is assigned to the partner's unit
        ("volunteer", False, False),
        ("resident", False, False),
        ("nobody", False, False),
    ],
)
def test_visibility_matrix(users, two_cases, persona, sees_penglai, sees_tianping):
    visible = set(Case.objects.visible_to(users[persona]).values_list("pk", flat=True))
    assert (two_cases[0].pk in visible) is sees_penglai
    assert (two_cases[1].pk in visible) is sees_tianping


def test_partner_sees_cases_assigned_to_its_unit_as_main_or_co(world, users, two_cases):
    case = two_cases[0]
    case_dispatch(case=case, unit=world.penglai_committee, co_units=[world.partner_unit], by=users["staff"])
    assert get_case_for_user(users["partner"], case.pk) == case


def test_out_of_scope_case_page_is_404_like_missing(client_for, users, two_cases):
    client = client_for(users["worker"])
    assert client.get(reverse("cases:detail", args=[two_cases[1].pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[999999])).status_code == 404
    assert client.get(reverse("cases:detail", args=[two_cases[0].pk])).status_code == 200


def test_out_of_scope_action_is_404(client_for, users, two_cases):
    client = client_for(users["worker"])
    response = client.post(reverse("cases:act", args=[two_cases[1].pk, "accept"]), {"version": 1})
    assert response.status_code == 404


def test_resident_and_leader_cannot_open_staff_pages(client_for, users):
    for persona in ("resident", "leader"):
        assert client_for(users[persona]).get(reverse("cases:list")).status_code == 403
