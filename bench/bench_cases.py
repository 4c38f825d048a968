"""Cases at district scale: dispatcher inbox, three-rates dashboard and two-character search.

Generates BENCH_CASES cases (default 1,000,000) across one district of 10 subdistricts × 10
neighbourhoods × 4 grids with PostgreSQL COPY (indexes dropped during the load and rebuilt after),
then times the same selectors and metrics the pages use. Targets from issue 3: inbox and dashboard
for one subdistrict < 100 ms, district-wide < 1 s; a two-character search < 300 ms. The dashboard
(monthly figures, cases.metrics.summary) is compared side by side with the same figures computed
straight from the cases, the search with the naive LIKE '%…%' over title and description, and the
cost of a case write with the monthly-figures trigger against the same write without it.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_cases .venv/bin/python bench/bench_cases.py
    BENCH_REUSE=1 …   # measure again on the cases an earlier run loaded (no reload, about 5 minutes)
"""

import datetime
import os
import random
import sys
import time
import zoneinfo

import common

N = int(os.environ.get("BENCH_CASES", "1000000"))
REPEAT = 15
SH = zoneinfo.ZoneInfo("Asia/Shanghai")

PLACES = ["陕西南路", "蓬莱路", "复兴中路", "文庙路", "天平路", "建国西路", "永嘉路", "学院路", "方浜中路", "大境路"]
TOPICS = [
    ("粪管改道", "楼下粪管堵塞反复冒水，需要改道，涉及多户居民。", "repair"),
    ("楼道灯不亮", "楼道灯坏了一个多月，老人晚上下楼不方便。", "repair"),
    ("垃圾堆放", "弄堂口垃圾长期堆放，气味很大，请尽快清运。", "sanitation"),
    ("助餐送餐延误", "独居老人午餐经常送晚，饭菜变凉。", "meals"),
    ("遗产继承咨询", "父母房产继承需要哪些材料，兄弟姐妹意见不一。", "legal"),
    ("医保报销咨询", "异地就医医保报销流程不清楚。", "medical"),
    ("邻里噪音纠纷", "楼上住户夜间噪音大，多次沟通无果。", "mediation"),
    ("家庭赡养矛盾", "子女之间对老人赡养费用有争议。", "family"),
    ("旧改补偿政策", "询问旧改征收补偿标准和面积认定。", "renewal"),
    ("房屋出租备案", "出租房屋需要办理哪些备案手续。", "housing"),
    ("快递柜设置", "小区快递柜太少，快递经常堆在门口。", "logistics"),
    ("养老床位申请", "老人失能需要申请养老院床位。", "elderly"),
    ("下水道反味", "厨房下水道返臭，物业处理后仍有异味。", "repair"),
    ("电动车充电", "楼道里电动车充电有安全隐患。", "safety"),
    ("未成年人辍学", "邻居家孩子长期不上学，希望社区关注。", "minors"),
]
STATUS_MIX = [("new", 2), ("dispatched", 3), ("accepted", 2), ("contacted", 2), ("in_progress", 3), ("resolved", 5)] + [
    ("visited", 28),
    ("archived", 52),
    ("cancelled", 2),
    ("merged", 1),
]
VERDICTS = ["satisfied"] * 80 + ["basic"] * 12 + ["unsatisfied"] * 5 + ["not_visited"] * 3


def build_regions():
    from org.models import Region, Unit

    K, U = Region.Kind, Unit.Kind
    district = Region.objects.create(name="测试区", kind=K.DISTRICT)
    grids, subdistricts, units = [], [], {}
    for s in range(10):
        sub = Region.objects.create(name=f"第{s + 1}街道", kind=K.SUBDISTRICT, parent=district)
        subdistricts.append(sub)
        office = Unit.objects.create(name=f"第{s + 1}街道管理办", kind=U.SUBDISTRICT_OFFICE, region=sub)
        for n in range(10):
            hood = Region.objects.create(name=f"第{s + 1}街道第{n + 1}居委", kind=K.NEIGHBOURHOOD, parent=sub)
            committee = Unit.objects.create(name=f"{hood.name}会", kind=U.NEIGHBOURHOOD_COMMITTEE, region=hood)
            for g in range(4):
                grid = Region.objects.create(name=f"{hood.name}第{g + 1}网格", kind=K.GRID, parent=hood)
                grid.refresh_from_db()
                grids.append(grid)
                units[grid.pk] = (committee.pk, office.pk)
    district.refresh_from_db()
    for sub in subdistricts:
        sub.refresh_from_db()
    return district, subdistricts, grids, units


def generate(grids, units):
    """COPY N cases; returns seconds taken."""
    from django.db import connection

    from cases import metrics, search
    from cases.models import Category

    cats = dict(Category.objects.values_list("code", "pk"))
    texts = []
    for title, desc, code in TOPICS:
        for place in PLACES:
            full_title = f"{place}{title}"
            texts.append((full_title, desc, cats[code], search.document(full_title, desc)))
    rng = random.Random(20261123)
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    start = datetime.datetime(2025, 1, 1, tzinfo=SH)
    span = int((datetime.datetime(2026, 11, 20, tzinfo=SH) - start).total_seconds())
    now = datetime.datetime.now(tz=SH)
    columns = [
        "id", "number", "title", "description", "category_id", "region_id", "region_path", "location_text",
        "reporter_name", "reporter_phone_encrypted", "reporter_phone_hash", "reporter_phone_masked", "channel",
        "urgency", "status", "is_complex", "main_unit_id", "created_at", "updated_at", "dispatched_at",
        "first_contact_due_at", "first_contacted_at", "due_at", "resolved_at", "resolution", "paused_seconds",
        "verdict", "rehandle_count", "merged_into_id", "version", "source_id", "search_tokens",
    ]  # fmt: skip
    channels = ["desk", "visit", "hotline", "web", "event", "care"]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        indexes = _drop_case_indexes(cursor)
        # the monthly figures are counted once after the load instead of row by row (cases.metrics)
        cursor.execute("ALTER TABLE cases_case DISABLE TRIGGER cases_monthly_figures_insert_delete")
        with cursor.connection.cursor().copy(f"COPY cases_case ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(1, N + 1):
                grid = grids[rng.randrange(len(grids))]
                title, desc, cat, tokens = texts[rng.randrange(len(texts))]
                created = start + datetime.timedelta(seconds=rng.randrange(span))
                status = statuses[rng.randrange(len(statuses))]
                committee, office = units[grid.pk]
                unit = None if status == "new" else (committee if rng.random() < 0.8 else office)
                fc_due = created + datetime.timedelta(days=1)
                due = created + datetime.timedelta(days=7)
                done = status in ("resolved", "visited", "archived")
                contacted = (
                    created + datetime.timedelta(hours=rng.randrange(1, 40))
                    if status not in ("new", "dispatched", "accepted")
                    else None
                )
                resolved = created + datetime.timedelta(hours=rng.randrange(4, 240)) if done else None
                verdict = rng.choice(VERDICTS) if status in ("visited", "archived") else ""
                if created > now:
                    created = now
                copy.write_row((
                    i, f"MH{created:%Y}-{i:06d}", title, desc, cat, grid.pk, grid.path, "", "居民", "", "", "",
                    channels[i % len(channels)], "normal", status, False, unit, created, created,
                    created if unit else None, fc_due, contacted, due, resolved, "已办结" if done else "", 0,
                    verdict, 0, 1 if status == "merged" else None, 1, "", tokens,
                ))  # fmt: skip
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case','id'), %s)", [N])
        load = time.perf_counter() - t0
        t1 = time.perf_counter()
        for sql in indexes:
            cursor.execute(sql)
        cursor.execute("ALTER TABLE cases_case ENABLE TRIGGER cases_monthly_figures_insert_delete")
        metrics.rebuild_monthly_figures()
        cursor.execute("VACUUM ANALYZE cases_case")
        cursor.execute("VACUUM ANALYZE cases_monthly_figures")
    return load, time.perf_counter() - t1


def _drop_case_indexes(cursor) -> list[str]:
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
        "AND indexname NOT LIKE '%%pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def write_cost(n=300):
    """Median ms of one case write that changes a counted figure (an UPDATE committed on its own),
    with the monthly-figures trigger and with it disabled: what keeping the table exact costs."""
    from django.db import connection

    from cases.models import Case

    ids = list(Case.objects.filter(status="dispatched").order_by("id").values_list("id", flat=True)[:n])

    def run():
        samples = []
        with connection.cursor() as cursor:
            for pk in ids:
                for status in ("resolved", "dispatched"):
                    t = time.perf_counter()
                    cursor.execute("UPDATE cases_case SET status = %s WHERE id = %s", [status, pk])
                    samples.append(time.perf_counter() - t)
        return common.percentile(samples, 50) * 1000

    with connection.cursor() as cursor:
        run()  # warm
        with_trigger = run()
        cursor.execute("ALTER TABLE cases_case DISABLE TRIGGER cases_monthly_figures_update")
        try:
            without = run()
        finally:
            cursor.execute("ALTER TABLE cases_case ENABLE TRIGGER cases_monthly_figures_update")
    return with_trigger, without


def timed(fn, repeat=REPEAT):
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return common.percentile(samples, 50) * 1000, common.percentile(samples, 95) * 1000


def main():
    # BENCH_REUSE=1 measures again on the data a previous run generated (no reload).
    reuse = os.environ.get("BENCH_REUSE") == "1"
    common.setup(fresh=not reuse)
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_cases needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    from django.utils import timezone

    from cases import metrics
    from cases.models import Case
    from cases.selectors import CappedPaginator, inbox_for_region
    from dashboard.selectors import full, headline, period_bounds
    from org.models import Region

    if reuse and Case.objects.exists():
        district = Region.objects.get(name="测试区")
        subdistricts = list(Region.objects.filter(parent=district).order_by("path"))
        load_s = index_s = float("nan")
    else:
        district, subdistricts, grids, units = build_regions()
        load_s, index_s = generate(grids, units)
    with connection.cursor() as cursor:
        # SSD storage, as docs/operations.md recommends for production
        cursor.execute("SET random_page_cost = 1.1")
    sub = subdistricts[3]
    # the period the page's 本年 means: 1 January to the end of today (Asia/Shanghai)
    start, end = period_bounds("year")

    def inbox(region):
        return lambda: inbox_for_region(region)

    def dashboard(region):
        # the headline (home panel): totals and one row per child region
        return lambda: headline(region, start, end)

    def dashboard_full(region):
        # the dashboard page: totals, per child region, per unit, per category, per month
        return lambda: full(region, start, end)

    def dashboard_plain(region):
        # baseline: the same figures straight from cases_case (what SQLite runs), no monthly table
        return lambda: metrics._summary_plain(region, start, end, timezone.now(), True)

    def search(word, region):
        def run():
            # what the list page does with a keyword: newest 50 and a count capped at 1000
            page = CappedPaginator(Case.objects.search(word).in_region(region).order_by("-id"), 50).page(1)
            return list(page), page.paginator.count

        return run

    def naive_search(word, region):
        from django.db.models import Q

        def run():
            qs = Case.objects.filter(Q(title__contains=word) | Q(description__contains=word)).in_region(region)
            return list(qs.order_by("-id")[:50]), qs.count()

        return run

    # the fast figures must be the figures: compare every table with the plain computation first
    for region in (sub, district):
        now = timezone.now()
        fast = metrics.summary(region, start, end, now=now)
        plain = metrics._summary_plain(region, start, end, now, True)
        for name in ("by_region", "by_unit", "by_category", "by_month"):
            tables = [{r.label: vars(r) | {"key": None} for r in parts[name]} for parts in (fast, plain)]
            assert tables[0] == tables[1], name
        assert vars(fast["total"]) == vars(plain["total"])
    print("monthly figures equal the plain computation", flush=True)

    rows = []
    for label, fn, target in [
        ("调度收件箱（一个街道）", inbox(sub), 100),
        ("调度收件箱（全区）", inbox(district), 1000),
        ("三率看板页面：合计/辖区/单位/分类/月份（一个街道，本年）", dashboard_full(sub), 100),
        ("三率看板页面：合计/辖区/单位/分类/月份（全区，本年）", dashboard_full(district), 1000),
        ("首页三率面板：合计/辖区（一个街道，本年）", dashboard(sub), 100),
        ("首页三率面板：合计/辖区（全区，本年）", dashboard(district), 1000),
        ("对照：直接从诉求表计算看板（一个街道，本年）", dashboard_plain(sub), None),
        ("对照：直接从诉求表计算看板（全区，本年）", dashboard_plain(district), None),
        ("检索“粪管”（全区）", search("粪管", district), 300),
        ("检索“粪管”（一个街道）", search("粪管", sub), 300),
        ("对照：LIKE 扫描检索“粪管”（全区）", naive_search("粪管", district), None),
    ]:
        p50, p95 = timed(fn)
        verdict = "" if target is None else ("✓" if p95 < target else "✗")
        rows.append(f"| {label} | {p50:.1f} | {p95:.1f} | {'' if target is None else f'< {target}'} | {verdict} |")
        print(rows[-1], flush=True)

    with_trigger, without = write_cost()
    print(f"write: {with_trigger:.2f} ms with the trigger, {without:.2f} ms without", flush=True)

    total = Case.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_monthly_figures")
        (figures_rows,) = cursor.fetchone()
    in_sub = Case.objects.in_region(sub).count()
    body = "\n".join(
        [
            f"{total:,} cases in one district (10 subdistricts, 100 neighbourhoods, 400 grids); "
            f"{in_sub:,} in the measured subdistrict. "
            + (
                "Measured on the data an earlier run loaded (BENCH_REUSE=1). "
                if load_s != load_s
                else f"Loaded with COPY in {load_s:.0f} s; indexes and the monthly figures rebuilt in {index_s:.0f} s. "
            )
            + f"Timings are over {REPEAT} runs after one warm-up, through the same selectors and metrics "
            "functions the pages call (Django ORM, one connection).",
            "",
            "| query | p50 ms | p95 ms | target ms | met |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "The inbox is the oldest 50 cases no rule dispatched plus their count and the pending requests. The "
            "dashboard rows are the figures of cases received this year (1 January to the end of today): the "
            "page has the totals and the per-region, per-unit, per-category and per-month tables, the home "
            "panel the totals and the per-region table. They read the monthly figures table (kept exact by a "
            f"trigger; {figures_rows:,} rows for the whole district) plus the few cases whose deadline passed "
            "since the last cut-off (docs/cases-metrics.md); the baseline rows compute the same figures straight "
            "from the cases, as SQLite does. Search is the list page's first page for a keyword: the newest 50 "
            "matches and the match count capped at 1,000 (the page then says “超过 1000 件”). The LIKE row is "
            "the naive baseline (exact count, no token index) that the token index replaces.",
            "",
            f"Keeping the monthly figures exact costs each case write that changes a counted figure "
            f"{with_trigger:.2f} ms instead of {without:.2f} ms (median of {2 * 300} single-row UPDATEs, each "
            "committed on its own, with the trigger and with it disabled); writes that change no counted "
            "column (notes, search text, versions) do not run it.",
        ]
    )
    common.report("cases", body)


if __name__ == "__main__":
    main()
