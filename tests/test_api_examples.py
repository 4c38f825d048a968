"""``minhu.api_docs.example_for``: which value the OpenAPI document shows for each kind of schema.

Pinned case by case, so that its rules (a schema's own example first, then allOf/oneOf/anyOf, enums, objects,
arrays, known field names, formats, types) keep their order when the function is reshaped.
"""

import pytest

from minhu.api_docs import example_for

COMPONENTS = {
    "Case": {"type": "object", "properties": {"title": {"type": "string"}, "version": {"type": "integer"}}},
    "Extra": {"type": "object", "properties": {"note": {"type": "string"}}},
    "Status": {"enum": ["", "new", "done"]},
    "Nested": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Nested"}}},
}

CASES = [
    ({"type": "string", "example": {"a": 1}}, "", {"a": 1}),
    ({"$ref": "#/components/schemas/Case"}, "", {"title": "楼道灯不亮", "version": 1}),
    (
        {"allOf": [{"$ref": "#/components/schemas/Case"}, {"$ref": "#/components/schemas/Extra"}]},
        "",
        {"title": "楼道灯不亮", "version": 1, "note": "已联系居民。"},
    ),
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "", 1),
    ({"anyOf": [{"type": "boolean"}, {"type": "string"}]}, "", True),
    ({"allOf": [], "type": "integer"}, "", 1),
    ({"$ref": "#/components/schemas/Status"}, "", "new"),
    ({"enum": ["", None]}, "", ""),
    (
        {"type": "object", "properties": {"secret": {"type": "string", "writeOnly": True}, "id": {"type": "integer"}}},
        "",
        {"id": 1},
    ),
    ({"properties": {"road": {"type": "string"}}}, "", {"road": "蓬莱路"}),
    ({"type": "array", "items": {"type": "string", "format": "date"}}, "", ["2026-12-07"]),
    ({"type": "array"}, "", ["示例"]),
    ({"type": "string"}, "phone_masked", "139****1234"),
    ({}, "road", "蓬莱路"),
    ({"type": "integer"}, "version", 1),
    ({"type": "integer"}, "title", 1),
    ({"type": "string"}, "version", "示例"),
    ({"type": "integer", "format": "int64"}, "", 1),
    ({"type": "number", "format": "decimal"}, "", "31.218000"),
    ({"type": "number"}, "", 1.5),
    ({"type": "boolean"}, "", True),
    ({"type": "string", "format": "date-time"}, "", "2026-12-07T09:30:00+08:00"),
    ({"type": "string", "format": "date"}, "", "2026-12-07"),
    ({"type": "string", "format": "time"}, "", "09:30:00"),
    ({"type": "string", "format": "uri"}, "", "https://minhu.example.cn/media/photo.jpg"),
    ({"type": "string", "format": "url"}, "", "https://minhu.example.cn/media/photo.jpg"),
    ({"type": "string", "format": "decimal"}, "", "12.50"),
    ({"type": "string", "format": "email"}, "", "示例"),
    ({"type": "string"}, "", "示例"),
]


@pytest.mark.parametrize(("schema", "name", "expected"), CASES)
def test_example_for_each_kind_of_schema(schema, name, expected):
    assert example_for(schema, COMPONENTS, name) == expected


def test_example_of_a_schema_is_a_copy_not_the_schema_own_value():
    schema = {"example": {"a": [1]}}
    example_for(schema, COMPONENTS)["a"].append(2)
    assert schema["example"] == {"a": [1]}


def test_nesting_stops_past_depth_four():
    assert example_for({"$ref": "#/components/schemas/Nested"}, COMPONENTS) == {
        "child": {"child": {"child": {"child": {"child": {}}}}}
    }
    assert example_for(
        {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}, COMPONENTS, depth=3
    ) == [[]]
