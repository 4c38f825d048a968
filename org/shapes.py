"""Region outlines (GeoJSON) for the dashboard's map: read a FeatureCollection, check it, and store
each feature's geometry on the region of the same name under a root region. One transaction: a file
with a bad feature changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from .models import Region
from .scoping import within

GEOMETRIES = ("Polygon", "MultiPolygon")
DEMO_FILE = Path(__file__).parent / "data" / "demo_grids.geojson"


class ShapeError(ValueError):
    """A file or a feature that cannot be used, with a message for people."""


def _check_ring(ring, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
        raise ShapeError(f"{where}：边界须为首尾相同、至少 4 个点的闭合环")
    for point in ring:
        if not (isinstance(point, list) and len(point) >= 2 and all(isinstance(v, int | float) for v in point[:2])):
            raise ShapeError(f"{where}：坐标须为 [经度, 纬度]")
        lon, lat = point[:2]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ShapeError(f"{where}：坐标 {point[:2]} 超出经纬度范围")


def check_geometry(geometry, where: str) -> dict:
    """The geometry if it is a valid Polygon or MultiPolygon, else ShapeError."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
        raise ShapeError(f"{where}：只接受 Polygon 或 MultiPolygon")
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    if not isinstance(polygons, list) or not polygons:
        raise ShapeError(f"{where}：缺少坐标")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ShapeError(f"{where}：缺少坐标")
        for ring in polygon:
            _check_ring(ring, where)
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


@transaction.atomic
def load(collection: dict, *, root: Region) -> tuple[int, list[str]]:
    """Store each feature's geometry on the region under ``root`` named by its ``name`` property.
    Returns (how many stored, names with no such region)."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ShapeError("文件须为 GeoJSON FeatureCollection")
    regions = {r.name: r for r in Region.objects.filter(within(root, field=""))}
    stored, missing = 0, []
    for n, feature in enumerate(collection.get("features") or [], start=1):
        name = str(((feature or {}).get("properties") or {}).get("name") or "").strip()
        if not name:
            raise ShapeError(f"第 {n} 个要素：properties.name 不能为空")
        geometry = check_geometry(feature.get("geometry"), f"第 {n} 个要素（{name}）")
        region = regions.get(name)
        if region is None:
            missing.append(name)
            continue
        Region.objects.filter(pk=region.pk).update(shape=geometry)
        stored += 1
    return stored, missing


def load_file(path, *, root: Region) -> tuple[int, list[str]]:
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShapeError(f"无法读取 GeoJSON 文件：{exc}") from exc
    return load(collection, root=root)


def feature_collection(regions) -> dict:
    """The regions that have an outline, as a FeatureCollection named by region name (for ECharts' registerMap)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": r.name, "id": r.pk}, "geometry": r.shape}
            for r in regions
            if r.shape
        ],
    }
