"""The jurisdiction's area for Open311 coordinates: a point a partner posts must lie inside it.

Two sources, the first one configured wins:

1. ``settings.OPEN311_AREA_FILE`` — a GeoJSON file (a Polygon, a MultiPolygon, or a Feature/FeatureCollection of
   them; WGS-84 longitude, latitude as GeoJSON orders them) with the subdistricts' boundaries, as the district's
   planning office or a survey supplies them. A point inside any polygon (and outside its holes) is in the area.
2. ``settings.OPEN311_BOUNDS`` — a bounding box ``south, west, north, east``; by default the Shanghai municipality
   (30.6–31.9 °N, 120.8–122.3 °E), so a point in Beijing or at (0, 0) is refused while any Shanghai address passes.

The region tree carries no boundaries of its own: a subdistrict's polygon changes rarely and comes from outside
as a file, so it is configured, not edited on a page.
"""

import functools
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _ring_contains(ring, x: float, y: float) -> bool:
    """Even-odd rule over a closed ring of [x, y] points (ray cast to the east)."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def polygon_contains(polygon, x: float, y: float) -> bool:
    """``polygon``: GeoJSON coordinates of one Polygon (outer ring, then holes)."""
    if not polygon or not _ring_contains(polygon[0], x, y):
        return False
    return not any(_ring_contains(hole, x, y) for hole in polygon[1:])


def polygons_of(geojson) -> list:
    """Every polygon's coordinates in a GeoJSON object (geometry, Feature or FeatureCollection)."""
    kind = geojson.get("type")
    if kind == "FeatureCollection":
        return [p for feature in geojson.get("features", []) for p in polygons_of(feature)]
    if kind == "Feature":
        return polygons_of(geojson.get("geometry") or {})
    if kind == "Polygon":
        return [geojson["coordinates"]]
    if kind == "MultiPolygon":
        return list(geojson["coordinates"])
    if kind == "GeometryCollection":
        return [p for g in geojson.get("geometries", []) for p in polygons_of(g)]
    return []


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple:
    try:
        with open(path, encoding="utf-8") as handle:
            polygons = polygons_of(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImproperlyConfigured(f"MINHU_OPEN311_AREA_FILE {path!r} is not a readable GeoJSON file: {exc}") from exc
    if not polygons:
        raise ImproperlyConfigured(f"MINHU_OPEN311_AREA_FILE {path!r} holds no Polygon or MultiPolygon")
    return tuple(polygons)


def contains(lat: float | Decimal, long: float | Decimal) -> bool:
    """Whether the point (WGS-84 degrees) lies in the jurisdiction's area."""
    path = getattr(settings, "OPEN311_AREA_FILE", "")
    if path:
        return any(polygon_contains(p, float(long), float(lat)) for p in _load(path))
    south, west, north, east = (float(v) for v in settings.OPEN311_BOUNDS)
    return south <= float(lat) <= north and west <= float(long) <= east
