import datetime
import decimal
import ipaddress
import json
import uuid
import zoneinfo

import pytest
from django.db import models
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from rest_framework import renderers as drf

from complywise.api.renderers import JSONRenderer


class Colour(models.TextChoices):
    RED = "red", "Red"


class Level(models.IntegerChoices):
    HIGH = 3, "High"


def _lazy_text() -> str:
    return "läzy"


UTC_NOW = datetime.datetime(2026, 12, 7, 22, 55, 17, 123456, tzinfo=datetime.UTC)
EVERY_KIND = {
    "utc": UTC_NOW,
    "utc whole second": UTC_NOW.replace(microsecond=0),
    "zoneinfo utc": UTC_NOW.astimezone(zoneinfo.ZoneInfo("UTC")),
    "paris": UTC_NOW.astimezone(zoneinfo.ZoneInfo("Europe/Paris")),
    "half hour offset": UTC_NOW.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    "naive": UTC_NOW.replace(tzinfo=None),
    "date": UTC_NOW.date(),
    "time": datetime.time(8, 30, 1, 500),
    "duration": datetime.timedelta(days=1, seconds=3.5),
    "uuid": uuid.UUID("8780026a-2380-49be-b807-0d6df6f2f7e0"),
    "decimal": decimal.Decimal("12.50"),
    "lazy": lazy(_lazy_text, str)(),
    "safe": mark_safe("<b>bold</b>"),
    "choice": Colour.RED,
    "integer choice": Level.HIGH,
    "address": ipaddress.ip_address("10.0.0.1"),
    "network": ipaddress.ip_network("10.0.0.0/8"),
    "text": 'quote " backslash \\ slash / tab \t newline \n nul \x00 unit \x1f del \x7f',
    "unicode": "émoji 🛡️ 日本語 \u2028 line and \u2029 paragraph",
    "numbers": [0, -1, 2**63 - 1, -(2**63), 1.5, 0.1, 66.7, 123456.789, True, False, None],
    "nested": {"tuple": (1, "two"), "set-free list": [[], {}], "generator-free": {"a": {"b": {"c": [1]}}}},
    "empty": "",
}


def render_both(data, accepted_media_type=None):
    return JSONRenderer().render(data, accepted_media_type), drf.JSONRenderer().render(data, accepted_media_type)


def test_every_kind_of_value_renders_byte_for_byte_as_drf():
    # when
    ours, theirs = render_both(EVERY_KIND)
    # then
    assert ours == theirs
    assert b'"utc":"2026-12-07T22:55:17.123456Z"' in ours
    assert b"\\u2028 line and \\u2029 paragraph" in ours
    assert "\u2028".encode() not in ours and "\u2029".encode() not in ours


@pytest.mark.parametrize(
    "data",
    [
        {"huge": 2**70},
        {"negative huge": -(2**64)},
        {1: "integer key", None: "none key"},
    ],
    ids=["beyond 64 bits", "below -2**63", "keys that are not strings"],
)
def test_what_orjson_refuses_is_rendered_by_drf(data):
    # when
    ours, theirs = render_both(data)
    # then
    assert ours == theirs


def test_deeper_than_orjson_goes_is_rendered_by_drf():
    # given nesting past orjson's limit of 254 levels
    data: list = []
    for _ in range(300):
        data = [data]
    # when
    ours, theirs = render_both(data)
    # then
    assert ours == theirs


@pytest.mark.parametrize(
    ("value", "error"),
    [(datetime.time(8, 30, tzinfo=datetime.UTC), ValueError), (object(), TypeError)],
    ids=["aware time", "unknown object"],
)
def test_what_drf_refuses_is_refused_with_the_same_error(value, error):
    # given a value DRF refuses
    with pytest.raises(error):
        drf.JSONRenderer().render({"value": value})
    # when / then
    with pytest.raises(error):
        JSONRenderer().render({"value": value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_null_where_drf_answered_an_error(value):
    with pytest.raises(ValueError):
        drf.JSONRenderer().render({"value": value})
    assert JSONRenderer().render({"value": value}) == b'{"value":null}'


def test_an_indented_answer_asked_for_is_drfs():
    # when a client asks for indentation
    ours, theirs = render_both(EVERY_KIND, "application/json; indent=2")
    # then
    assert ours == theirs
    assert b'\n  "utc": "2026-12-07T22:55:17.123456Z"' in ours


def test_a_float_may_be_spelt_otherwise_but_is_the_same_number():
    # when
    ours, theirs = render_both({"tiny": 1e-7, "large": 1e16})
    # then
    assert (ours, theirs) == (b'{"tiny":1e-7,"large":1e+16}', b'{"tiny":1e-07,"large":1e+16}')
    assert json.loads(ours) == json.loads(theirs)


def test_no_content_is_empty():
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_through_it(client_for, tenant):
    # when
    response = client_for(tenant).get("/api/me")
    # then the answer is DRF's JSON, written by the project's renderer
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == drf.JSONRenderer().render(response.data)
