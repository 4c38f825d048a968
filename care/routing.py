"""Meal-round route planning: vehicle routing with time windows and capacities (OR-Tools).

Travel times come from each address's coordinates: great-circle distance × a detour factor for
Shanghai's lanes (弄堂), divided by walking or cycling speed. No map service is called. Each
volunteer starts at the kitchen and ends at their last stop (open routes). A volunteer's usual
people cost nothing extra on their route and a penalty on anyone else's, so continuity is kept
wherever the windows and capacities allow.

This module is pure (no database): ``care.actions.routes`` turns rounds into ``Problem``s and
writes the plan back. The benchmark drives ``solve`` directly.
"""

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

DETOUR = 1.3  # street network vs straight line in an old Shanghai neighbourhood
SPEED_M_PER_MIN = {"walk": 70.0, "bike": 200.0}  # ~4.2 km/h on foot, ~12 km/h on a bicycle
SERVICE_MIN = 3  # hand over the meal and see the person: never just leave it at the door
CONTINUITY_PENALTY_M = 400  # metres one is willing to add to keep a person with their usual volunteer


@dataclass
class Stop:
    key: object  # the caller's id (delivery pk)
    lat: float
    lon: float
    window: tuple[int, int]  # minutes after the round's start (open, close)
    demand: int = 1
    usual: object = None  # key of the usual vehicle, if any


@dataclass
class Vehicle:
    key: object  # the caller's id (user pk)
    capacity: int
    mode: str = "walk"


@dataclass
class Problem:
    depot: tuple[float, float]
    stops: list[Stop]
    vehicles: list[Vehicle]
    horizon: int = 240  # minutes after the round's start by which every route must end


@dataclass
class Route:
    vehicle: object
    stops: list[object] = field(default_factory=list)  # stop keys in order
    arrivals: list[int] = field(default_factory=list)  # minutes after the round's start
    distance_m: int = 0


@dataclass
class Plan:
    routes: list[Route]
    unassigned: list[object]
    distance_m: int
    objective: int
    kept_usual: int = 0

    @property
    def complete(self) -> bool:
        return not self.unassigned


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def distance_matrix(points: list[tuple[float, float]]) -> list[list[int]]:
    return [[round(haversine_m(p, q) * DETOUR) for q in points] for p in points]


def _open_distance_matrix(problem: Problem) -> list[list[int]]:
    """Metres between nodes 0 = kitchen, 1..n = stops, plus n+1 = the free "end" node (0 to and from it)."""
    n = len(problem.stops)
    dist = distance_matrix([problem.depot] + [(s.lat, s.lon) for s in problem.stops])
    for row in dist:
        row.append(0)
    dist.append([0] * (n + 2))
    return dist


def _add_continuity(routing, problem: Problem, usual: list) -> None:
    """Continuity as a per-vehicle count of "someone else's usual person" visited, priced by a soft bound on
    its value at the route's end (one arc cost for all keeps a single cost class, which the local search
    needs to be fast)."""
    if not any(u is not None for u in usual):
        return
    n, vehicles = len(problem.stops), problem.vehicles
    foreign = []
    for vi in range(len(vehicles)):
        vector = [0] + [1 if (u is not None and u != vi) else 0 for u in usual] + [0]
        foreign.append(routing.RegisterUnaryTransitVector(vector))
    routing.AddDimensionWithVehicleTransits(foreign, 0, n + 1, True, "Foreign")
    foreign_dim = routing.GetDimensionOrDie("Foreign")
    for vi in range(len(vehicles)):
        foreign_dim.SetCumulVarSoftUpperBound(routing.End(vi), 0, CONTINUITY_PENALTY_M)


def _add_time(routing, manager, problem: Problem, dist):
    """Time in minutes per travel mode, service time counted at the stop being left; each stop's window and
    the horizon as bounds. Returns the time dimension."""
    n, vehicles, end = len(problem.stops), problem.vehicles, len(problem.stops) + 1
    time_callbacks = {}
    for mode in {v.mode for v in vehicles}:
        speed = SPEED_M_PER_MIN.get(mode, SPEED_M_PER_MIN["walk"])
        matrix = [
            [0 if j == end else math.ceil(d / speed) + (SERVICE_MIN if 1 <= i <= n else 0) for j, d in enumerate(row)]
            for i, row in enumerate(dist)
        ]
        time_callbacks[mode] = routing.RegisterTransitMatrix(matrix)
    routing.AddDimensionWithVehicleTransits(
        [time_callbacks[v.mode] for v in vehicles], 60, problem.horizon, False, "Time"
    )
    time_dim = routing.GetDimensionOrDie("Time")
    for i, stop in enumerate(problem.stops, start=1):
        time_dim.CumulVar(manager.NodeToIndex(i)).SetRange(max(0, stop.window[0]), min(problem.horizon, stop.window[1]))
    for vi in range(len(vehicles)):
        time_dim.CumulVar(routing.Start(vi)).SetRange(0, problem.horizon)
    return time_dim


def _add_load_and_drops(routing, manager, problem: Problem) -> None:
    """Capacities, and a stop dropped only at a prohibitive penalty (so a plan is complete whenever one exists)."""
    demands = [0] + [s.demand for s in problem.stops] + [0]
    demand_cb = routing.RegisterUnaryTransitVector(demands)
    routing.AddDimensionWithVehicleCapacity(demand_cb, 0, [v.capacity for v in problem.vehicles], True, "Load")
    drop_penalty = 10_000_000
    for i in range(1, len(problem.stops) + 1):
        routing.AddDisjunction([manager.NodeToIndex(i)], drop_penalty)


def _search(routing, problem: Problem, dist, usual, *, seconds: float, first: str, warm_start: bool):
    """Guided local search, from the continuity start plan when there is one; None when nothing was found."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(100, int(seconds * 1000)))
    solution = None
    initial = _continuity_routes(problem, dist, usual) if warm_start and any(u is not None for u in usual) else None
    if initial and any(initial):
        # Start from each volunteer's usual people (what the neighbourhood does today); the search
        # then inserts everyone else and trades continuity for distance only where it pays.
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes(initial, True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = routing.SolveWithParameters(params)
    return solution


def _read_plan(routing, manager, time_dim, solution, problem: Problem, dist, usual) -> Plan:
    """Each vehicle's stops in order with arrival times and metres; the stops no route visits."""
    stops = problem.stops
    routes, assigned, kept = [], set(), 0
    for vi, vehicle in enumerate(problem.vehicles):
        route = Route(vehicle=vehicle.key)
        index = routing.Start(vi)
        previous = 0
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node != 0:
                stop = stops[node - 1]
                route.stops.append(stop.key)
                route.arrivals.append(solution.Value(time_dim.CumulVar(index)))
                route.distance_m += dist[previous][node]
                previous = node
                assigned.add(node)
                kept += usual[node - 1] == vi
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    unassigned = [stops[i - 1].key for i in range(1, len(stops) + 1) if i not in assigned]
    return Plan(
        routes=routes,
        unassigned=unassigned,
        distance_m=sum(r.distance_m for r in routes),
        objective=solution.ObjectiveValue(),
        kept_usual=kept,
    )


def solve(problem: Problem, *, seconds: float = 3.0, first: str = "PATH_CHEAPEST_ARC", warm_start: bool = True) -> Plan:
    """Best plan found within ``seconds``: guided local search from the continuity start plan
    (``first`` names the OR-Tools start strategy used when there is none).

    Nodes: 0 = kitchen, 1..n = stops, n+1 = a free "end" node (routes are open). A stop can be
    dropped only at a prohibitive penalty, so a plan is complete whenever one exists.
    """
    stops, vehicles = problem.stops, problem.vehicles
    n = len(stops)
    dist = _open_distance_matrix(problem)
    end = n + 1
    manager = pywrapcp.RoutingIndexManager(n + 2, len(vehicles), [0] * len(vehicles), [end] * len(vehicles))
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(dist))
    vehicle_of = {v.key: i for i, v in enumerate(vehicles)}
    usual = [vehicle_of.get(s.usual) for s in stops]
    _add_continuity(routing, problem, usual)
    time_dim = _add_time(routing, manager, problem, dist)
    _add_load_and_drops(routing, manager, problem)
    solution = _search(routing, problem, dist, usual, seconds=seconds, first=first, warm_start=warm_start)
    if solution is None:
        return Plan(routes=[], unassigned=[s.key for s in stops], distance_m=0, objective=0)
    return _read_plan(routing, manager, time_dim, solution, problem, dist, usual)


def _feasible(problem: Problem, dist, vi: int, route: list[int]) -> bool:
    vehicle = problem.vehicles[vi]
    speed = SPEED_M_PER_MIN.get(vehicle.mode, SPEED_M_PER_MIN["walk"])
    clock, previous, service, load = 0, 0, 0, 0
    for node in route:
        stop = problem.stops[node - 1]
        clock = max(clock + service + math.ceil(dist[previous][node] / speed), stop.window[0])
        load += stop.demand
        if clock > stop.window[1] or load > vehicle.capacity:
            return False
        previous, service = node, SERVICE_MIN
    return True


def _continuity_routes(problem: Problem, dist, usual) -> list[list[int]]:
    """A complete starting plan: each volunteer's usual people in window order (while windows and
    capacity allow), then everyone else by cheapest feasible insertion."""
    routes = []
    for vi in range(len(problem.vehicles)):
        route: list[int] = []
        mine = sorted((i for i, u in enumerate(usual, start=1) if u == vi), key=lambda i: problem.stops[i - 1].window)
        for node in mine:
            if _feasible(problem, dist, vi, route + [node]):
                route.append(node)
        routes.append(route)
    placed = {node for route in routes for node in route}
    rest = sorted(
        (i for i in range(1, len(problem.stops) + 1) if i not in placed), key=lambda i: problem.stops[i - 1].window[1]
    )
    for node in rest:
        best = None
        for vi, route in enumerate(routes):
            penalty = CONTINUITY_PENALTY_M if usual[node - 1] is not None and usual[node - 1] != vi else 0
            for pos in range(len(route) + 1):
                before = route[pos - 1] if pos else 0
                after = route[pos] if pos < len(route) else None
                added = dist[before][node] + (dist[node][after] - dist[before][after] if after is not None else 0)
                if best is not None and added + penalty >= best[0]:
                    continue
                if _feasible(problem, dist, vi, route[:pos] + [node] + route[pos:]):
                    best = (added + penalty, vi, pos)
        if best is not None:
            routes[best[1]].insert(best[2], node)
    return routes


def route_distance(depot, points_in_order) -> int:
    """Metres walked from the kitchen through the points in the given order (no return)."""
    total, previous = 0, depot
    for p in points_in_order:
        total += round(haversine_m(previous, p) * DETOUR)
        previous = p
    return total


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Violations of windows or capacities in a plan (empty when it is sound). Used by tests and the bench."""
    stops = {s.key: s for s in problem.stops}
    vehicles = {v.key: v for v in problem.vehicles}
    problems = []
    for route in plan.routes:
        vehicle = vehicles[route.vehicle]
        load = sum(stops[k].demand for k in route.stops)
        if load > vehicle.capacity:
            problems.append(f"vehicle {route.vehicle}: load {load} > capacity {vehicle.capacity}")
        speed = SPEED_M_PER_MIN.get(vehicle.mode, SPEED_M_PER_MIN["walk"])
        clock, previous, service = 0, problem.depot, 0
        for key, arrival in zip(route.stops, route.arrivals, strict=True):
            stop = stops[key]
            here = (stop.lat, stop.lon)
            earliest = clock + service + math.ceil(round(haversine_m(previous, here) * DETOUR) / speed)
            if arrival < earliest:
                problems.append(f"stop {key}: planned at {arrival} but reachable only at {earliest}")
            if not stop.window[0] <= arrival <= stop.window[1]:
                problems.append(f"stop {key}: planned at {arrival}, outside window {stop.window}")
            clock, previous, service = arrival, here, SERVICE_MIN
    return problems


def svg_map(depot, stops_in_order, *, width=340, height=260, labels=None) -> str:
    """A simple drawn map (inline SVG): the kitchen as a square, the stops numbered, the route as a line.

    Coordinates are projected equirectangularly around their centre, which is exact enough over a
    few hundred metres. Only numbers and escaped labels go into the markup.
    """

    points = [depot] + list(stops_in_order)
    lat0 = sum(p[0] for p in points) / len(points)
    kx = math.cos(math.radians(lat0))
    xs = [p[1] * kx for p in points]
    ys = [p[0] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-5)
    pad = 24
    scale = min((width - 2 * pad), (height - 2 * pad)) / span

    def xy(i):
        return pad + (xs[i] - min(xs)) * scale, height - pad - (ys[i] - min(ys)) * scale

    parts = [
        f'<svg class="care-map" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(labels[0] if labels else "")}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f6f8" stroke="#c7ccd1"/>',
    ]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i) for i in range(len(points))))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#0b4f9c" stroke-width="3" stroke-dasharray="6 4"/>'
        )
    x, y = xy(0)
    parts.append(f'<rect x="{x - 9:.1f}" y="{y - 9:.1f}" width="18" height="18" fill="#b3261e"/>')
    for i in range(1, len(points)):
        x, y = xy(i)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="12" fill="#ffffff" stroke="#0b4f9c" stroke-width="3"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="14" font-weight="700" '
            f'fill="#1a1a1a">{i}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
