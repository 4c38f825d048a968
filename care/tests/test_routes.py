"""Route plans respect time windows and capacities, and keep usual volunteers where they can."""

import datetime
import random

from care import routing
from care.actions import meals, routes
from care.models import Delivery, MealRound

from .conftest import at

DEPOT = (31.2105, 121.4460)


def scattered(n, seed=3, windows=((15, 45), (45, 75))):
    rng = random.Random(seed)
    return [
        routing.Stop(
            key=i,
            lat=DEPOT[0] + rng.uniform(-0.006, 0.006),
            lon=DEPOT[1] + rng.uniform(-0.006, 0.006),
            window=windows[i % len(windows)],
        )
        for i in range(n)
    ]


def test_plan_respects_windows_and_capacities():
    vehicles = [routing.Vehicle(key=k, capacity=5, mode=m) for k, m in (("a", "walk"), ("b", "walk"), ("c", "bike"))]
    problem = routing.Problem(depot=DEPOT, stops=scattered(14), vehicles=vehicles, horizon=120)
    plan = routing.solve(problem, seconds=0.5)
    assert plan.complete
    assert routing.check_plan(problem, plan) == []
    assert all(len(r.stops) <= 5 for r in plan.routes)
    assert sorted(k for r in plan.routes for k in r.stops) == list(range(14))


def test_stop_that_no_one_can_reach_in_time_is_reported_not_squeezed_in():
    far = routing.Stop(key="far", lat=DEPOT[0] + 0.05, lon=DEPOT[1], window=(15, 30))  # ~7 km on foot in 30 min
    problem = routing.Problem(
        depot=DEPOT, stops=scattered(4) + [far], vehicles=[routing.Vehicle(key="a", capacity=10)], horizon=120
    )
    plan = routing.solve(problem, seconds=0.3)
    assert plan.unassigned == ["far"]
    assert routing.check_plan(problem, plan) == []


def test_capacity_forces_a_second_volunteer():
    vehicles = [routing.Vehicle(key="a", capacity=3), routing.Vehicle(key="b", capacity=3)]
    problem = routing.Problem(depot=DEPOT, stops=scattered(6, windows=((0, 120),)), vehicles=vehicles, horizon=180)
    plan = routing.solve(problem, seconds=0.3)
    assert sorted(len(r.stops) for r in plan.routes) == [3, 3]


def test_usual_volunteer_keeps_their_people_when_it_costs_little():
    stops = scattered(8, windows=((0, 90),))
    for s in stops:
        s.usual = "b" if s.key % 2 else "a"
    vehicles = [routing.Vehicle(key="a", capacity=6), routing.Vehicle(key="b", capacity=6)]
    plan = routing.solve(routing.Problem(depot=DEPOT, stops=stops, vehicles=vehicles, horizon=150), seconds=0.5)
    assert plan.kept_usual >= 6


def test_svg_map_is_drawn_from_coordinates_only():
    svg = routing.svg_map(DEPOT, [(31.211, 121.447), (31.212, 121.445)], labels=["<script>x</script>"])
    assert svg.startswith("<svg") and svg.count("<circle") == 2 and "<polyline" in svg
    assert "<script>" not in svg


def test_round_plan_writes_order_times_and_volunteers(make_recipient, make_volunteer):
    day = datetime.date(2025, 10, 14)
    a, b = make_volunteer("甲", capacity=3), make_volunteer("乙", capacity=3)
    people = [make_recipient(f"老人{i}", volunteer=a if i < 3 else b, offset=i + 1) for i in range(5)]
    meals.rounds_generate(start=day, end=day)
    rnd = MealRound.objects.get()
    plan = routes.round_plan(rnd=rnd, seconds=0.5)
    assert plan.complete and plan.no_coordinates == []
    rnd.refresh_from_db()
    assert rnd.status == MealRound.Status.ROUTED and rnd.planned_distance_m == plan.distance_m
    deliveries = list(Delivery.objects.filter(recipient__in=people))
    assert all(at(day, 10, 45) <= d.eta <= at(day, 12, 0) for d in deliveries)
    for volunteer in (a, b):
        mine = sorted((d for d in deliveries if d.volunteer_id == volunteer.pk), key=lambda d: d.seq)
        assert len(mine) <= 3
        assert [d.seq for d in mine] == list(range(1, len(mine) + 1))
        assert [d.eta for d in mine] == sorted(d.eta for d in mine)
