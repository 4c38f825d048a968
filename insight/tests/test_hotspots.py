"""Hot spots: a synthetic week with one planted cluster among background noise."""

import datetime
import random

import pytest
from django.utils import timezone

from cases.models import Case
from insight import synthetic
from insight.actions import hotspots
from insight.models import HotSpot

PLANTED = [
    ("粪管堵塞", "底楼粪管堵了，污水倒灌进灶披间，臭得不行。", "陕西南路582弄11号", "high"),
    ("下水道反水", "11号楼下水道反水，马桶冲不下去。", "陕西南路582弄11号", "normal"),
    ("粪管又堵了", "582弄13号粪管堵塞，底楼进粪水。", "", "normal"),
    ("化粪池满了", "化粪池满了往外溢，弄堂里都是粪水。", "陕西南路582弄", "normal"),
    ("下水道堵塞", "582弄9号下水道堵了，污水漫出来，臭。", "陕西南路582弄9号", "high"),
]


@pytest.fixture
def week(make_case, world, categories):
    """Five reports of one sewage problem in 陕西南路582弄 over a week, and 30 unrelated needs in
    the same neighbourhood and in 蓬莱路, spread over the same week and the week before."""
    now = timezone.now()
    rng = random.Random(7)
    planted = []
    for i, (title, description, where, urgency) in enumerate(PLANTED):
        case = make_case(
            title=title,
            description=description,
            location_text=where,
            region=world.shaanxi_grid,
            urgency=urgency,
            reporter_name=f"居民{i}",
            reporter_phone="13900000001" if i in (1, 3) else f"1390000001{i}",
        )
        planted.append(case)
        Case.objects.filter(pk=case.pk).update(created_at=now - datetime.timedelta(days=6 - i, hours=rng.randint(0, 9)))
    noise = []
    for i in range(30):
        code = rng.choice([c for c in synthetic.TOPICS if c not in ("repair",)])
        title, description, _code = synthetic.need(rng, code)
        region = world.shaanxi_grid if i % 2 else world.penglai_grid
        case = make_case(title=title, description=description, region=region, reporter_name=f"背景{i}")
        noise.append(case)
        Case.objects.filter(pk=case.pk).update(created_at=now - datetime.timedelta(days=rng.uniform(0, 13)))
    return {"now": now, "planted": planted, "noise": noise}


def test_the_planted_cluster_is_found_and_nothing_else(week, world):
    clusters = hotspots.detect_hotspots(now=week["now"], days=7)
    assert len(clusters) == 1, [(c.place, c.topic, c.count) for c in clusters]
    spot = clusters[0]
    assert spot.place == "陕西南路582弄"
    assert sorted(c.pk for c in spot.cases) == sorted(c.pk for c in week["planted"])
    assert spot.count == 5 and spot.urgent == 2 and spot.repeat_reporters == 1 and spot.previous == 0
    assert "堵" in spot.topic or "粪" in spot.topic
    # 热度 = 5 × (1 + 0.5 × 2/5) × (1 + 0.5 × min(5, 2)) + 1
    assert spot.heat == pytest.approx(5 * 1.2 * 2 + 1)
    assert spot.region == world.shaanxi_grid


def test_heat_rises_with_growth_urgency_and_repeat_reporters():
    base = hotspots.heat_score(count=5, previous=5, urgent=0, repeat_reporters=0)
    assert base == 5
    assert hotspots.heat_score(count=5, previous=1, urgent=0, repeat_reporters=0) > base
    assert hotspots.heat_score(count=5, previous=5, urgent=3, repeat_reporters=0) > base
    assert hotspots.heat_score(count=5, previous=5, urgent=0, repeat_reporters=2) == base + 2
    assert hotspots.heat_score(count=5, previous=9, urgent=0, repeat_reporters=0) == base  # shrinking: no bonus


def test_the_job_stores_the_snapshot_and_the_home_page_shows_it_in_scope(week, users, client_for):
    assert hotspots.hotspots_refresh(now=week["now"]) == 1
    spot = HotSpot.objects.get()
    assert spot.headline == f"陕西南路582弄 {spot.topic} 5 起，近 7 天"
    assert spot.cases.count() == 5
    page = client_for(users["staff_tianping"]).get("/").content.decode()
    assert "陕西南路582弄" in page and f"/insight/hotspots/{spot.pk}/" in page
    assert "陕西南路582弄" not in client_for(users["staff"]).get("/").content.decode()  # 老西门 staff
    detail = client_for(users["worker_tianping"]).get(f"/insight/hotspots/{spot.pk}/").content.decode()
    assert all(c.number in detail for c in week["planted"])
    assert client_for(users["worker"]).get(f"/insight/hotspots/{spot.pk}/").status_code == 404


def test_the_weekly_report_lists_the_week_with_links(week, users, client_for):
    page = client_for(users["staff_tianping"]).get("/insight/hotspots/").content.decode()
    assert "本周发现 1 个热点" in page or "陕西南路582弄" in page
    assert all(f"/cases/{c.pk}/" in page for c in week["planted"])
    leader = client_for(users["leader"]).get("/insight/hotspots/")
    assert leader.status_code == 200 and "/cases/" not in leader.content.decode().split("<main")[1]
