"""The pages: intake hints, the case panel, one-click accept from the inbox, merge, keyword rules,
the model page with its retrain button. Scoped like the cases they show."""

from cases.models import Case
from insight.actions import store, suggestions
from insight.models import KeywordRule, RoutingModel, Suggestion


def test_intake_hints_suggest_categories_and_possible_duplicates(client_for, users, make_case, rules, world):
    earlier = make_case(title="粪管堵塞", description="底楼粪管堵了，污水倒灌。", location_text="蓬莱路100弄11号")
    page = client_for(users["worker"]).get(
        "/insight/intake/",
        {
            "title": "下水道反水",
            "description": "11号楼下水道反水，马桶冲不下去",
            "region": world.penglai_grid.pk,
            "location_text": "蓬莱路100弄11号",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "物业与设施报修" in html and "→ 蓬莱路居委会" in html and "关键词规则" in html
    assert earlier.number in html and "可能是同一问题" in html
    # the reasons, not only a score: where, what and how alike the words are
    assert "同一地址：蓬莱路100弄11号 · 同一问题：污水管堵塞" in html and "描述相似度" in html
    # a region outside the user's scope is ignored: no duplicates from there
    other = client_for(users["worker_tianping"]).get(
        "/insight/intake/",
        {"title": "下水道反水", "description": "11号楼下水道反水", "region": world.penglai_grid.pk},
    )
    assert earlier.number not in other.content.decode()


def test_intake_form_loads_the_hints(client_for, users, categories):
    html = client_for(users["worker"]).get("/cases/new/").content.decode()
    assert 'hx-get="/insight/intake/"' in html and "insight/insight.js" in html


def test_case_panel_and_one_click_accept_from_the_inbox(client_for, users, make_case, rules, world):
    case = make_case(title="垃圾没人清运", description="弄堂口垃圾堆了好几天，臭气熏天。")
    suggestions.suggest_for_case(case=case)
    staff = client_for(users["staff"])
    assert f'hx-get="/insight/cases/{case.pk}/"' in staff.get(f"/cases/{case.pk}/").content.decode()
    panel = staff.get(f"/insight/cases/{case.pk}/").content.decode()
    assert "环境卫生" in panel and "采纳并派单" in panel and "关键词规则" in panel
    inbox = staff.get("/cases/").content.decode()
    assert 'data-accept="sanitation"' in inbox
    response = staff.post(f"/insight/cases/{case.pk}/accept/", {"code": "sanitation", "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    case.refresh_from_db()
    assert case.status == Case.Status.DISPATCHED and case.category.code == "sanitation"
    assert Suggestion.objects.get(case=case).accepted is True
    # out of scope: 404 like a missing case
    assert client_for(users["staff_tianping"]).get(f"/insight/cases/{case.pk}/").status_code == 404
    assert (
        client_for(users["staff_tianping"]).post(f"/insight/cases/{case.pk}/accept/", {"code": "repair"}).status_code
        == 404
    )


def test_an_unsafe_next_is_ignored(client_for, users, make_case, rules):
    case = make_case()
    response = client_for(users["staff"]).post(
        f"/insight/cases/{case.pk}/accept/", {"code": "repair", "next": "https://example.com/"}
    )
    assert response["Location"] == f"/cases/{case.pk}/"


def test_merge_from_the_panel(client_for, users, make_case, rules):
    a = make_case(title="粪管堵塞", description="底楼粪管堵了，污水倒灌。", location_text="蓬莱路100弄11号")
    b = make_case(title="下水道反水", description="11号楼下水道反水，马桶冲不下去。", location_text="蓬莱路100弄11号")
    staff = client_for(users["staff"])
    panel = staff.get(f"/insight/cases/{a.pk}/").content.decode()
    assert f'data-merge="{b.pk}"' in panel
    response = staff.post(f"/insight/cases/{a.pk}/merge/", {"other": b.pk})
    assert response.status_code == 302 and response["Location"] == f"/cases/{a.pk}/"
    b.refresh_from_db()
    assert b.merged_into == a


def test_keyword_rules_page_for_staff(client_for, users, categories):
    assert client_for(users["worker"]).get("/insight/keywords/").status_code == 403
    staff = client_for(users["staff"])
    page = staff.get("/insight/keywords/").content.decode()
    assert "物业与设施报修" in page and "粪管" in page
    rule = KeywordRule.objects.get(category__code="repair")
    response = staff.post("/insight/keywords/", {f"kw-{rule.category_id}": "漏水、粪管 电梯 电梯"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.keywords == "漏水 粪管 电梯" and rule.updated_by == users["staff"]
    assert store.keyword_lists(fresh=True)["repair"] == ["漏水", "粪管", "电梯"]


def test_model_page_and_retrain_button(
    client_for, users, make_case, rules, settings, django_capture_on_commit_callbacks
):
    worker = client_for(users["worker"])
    assert "立即重新训练" not in worker.get("/insight/").content.decode()
    assert worker.post("/insight/train/").status_code == 403
    staff = client_for(users["staff"])  # the same test client, now logged in as staff
    assert "暂由关键词规则提供建议" in staff.get("/insight/").content.decode()
    settings.MINHU_INSIGHT_MIN_CASES = 10
    texts = [("楼道灯坏了", "repair"), ("下水道堵了", "repair"), ("电梯停运", "repair"), ("屋顶漏水", "repair"),
             ("门禁坏了", "repair"), ("垃圾没人清", "sanitation"), ("老鼠很多", "sanitation"),
             ("楼道堆物", "sanitation"), ("建筑垃圾", "sanitation"), ("绿化带垃圾", "sanitation")]  # fmt: skip
    for title, code in texts * 2:
        make_case(title=title, description=f"{title}，希望处理。", category=code)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post("/insight/train/").status_code == 302
    model = RoutingModel.objects.get()
    assert model.trained_by == users["staff"] and model.n_cases == 20
    page = staff.get("/insight/").content.decode()
    assert "模型 v1" in page and "暂不自动派单" in page


def test_api_suggests_for_a_text_and_a_case_in_scope(client_for, users, make_case, rules, world):
    staff = client_for(users["staff"])
    answer = staff.post(
        "/api/insight/suggest/",
        {"title": "下水道堵了", "description": "底楼下水道堵塞，污水倒灌", "region": world.penglai_grid.pk},
        content_type="application/json",
    ).json()
    assert answer["source"] == "keywords" and answer["version"] is None
    assert answer["top"][0]["code"] == "repair" and answer["top"][0]["unit"] == "蓬莱路居委会"
    a = make_case(title="粪管堵塞", description="底楼粪管堵了，污水倒灌。", location_text="蓬莱路100弄11号")
    b = make_case(title="下水道反水", description="11号楼下水道反水。", location_text="蓬莱路100弄11号")
    body = staff.get(f"/api/insight/cases/{b.pk}/suggestion/").json()
    assert [s["number"] for s in body["similar"]] == [a.number]
    assert client_for(users["staff_tianping"]).get(f"/api/insight/cases/{b.pk}/suggestion/").status_code == 404
    assert client_for(users["resident"]).post("/api/insight/suggest/", {"title": "x"}).status_code == 403
    assert client_for(users["leader"]).get("/api/insight/hotspots/").json() == []


def test_the_case_panel_says_why_two_cases_look_alike(client_for, users, make_case, rules):
    earlier = make_case(title="粪管堵塞", description="底楼粪管堵了，污水倒灌。", location_text="蓬莱路100弄11号")
    later = make_case(
        title="下水道反水", description="11号楼下水道反水，马桶冲不下去。", location_text="蓬莱路100弄11号"
    )
    panel = client_for(users["staff"]).get(f"/insight/cases/{later.pk}/").content.decode()
    assert earlier.number in panel
    assert "同一地址：蓬莱路100弄11号 · 同一问题：污水管堵塞" in panel


def test_the_reader_learns_the_roads_of_the_deployments_addresses(db, world, monkeypatch):
    from insight import address
    from insight.actions import similar
    from people.models import Address

    assert address.read("伊住在长宁支路45弄").certainty < 1.0
    Address.objects.create(region=world.penglai_grid, road="长宁支路", lane="45", number="3")
    monkeypatch.setitem(similar._roads_learned, "at", float("-inf"))
    need = similar.need_from(description="伊住在长宁支路45弄3号，水管爆了")
    assert need.place.road == "长宁支路"
    assert address.read("伊住在长宁支路45弄").certainty == 1.0
