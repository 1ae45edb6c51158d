"""A Hypothesis strategy for any reply plan (``PLANS``): every plan kind and arbitrary
ones, data of every key the templates read and arbitrary ones, slots in several timezones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from language import FIELD_TYPES, PlanItem, ReplyPlan, Slot
from language.render import INVALID_PROBLEMS
from language.types import PLAN_KINDS, Lang

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")
LANGS: tuple[Lang, ...] = ("en", "de")

_KEYS = (
    "service",
    "staff",
    "when",
    "date",
    "time",
    "name",
    "phone",
    "email",
    "address",
    "problem",
    "message",
    "fee",
    "hours",
    "text",
    "source_title",
    "department",
    "title",
    "topic",
    "prompt",
    "options",
    "type",
    "problem",
    "retry",
    "voice",
    "action",
    "note",
    "open_now",
    "next_open",
    "today",
    "week",
    "mon",
    "fri",
    "sat",
    "instructions",
    "hazard",
    "business",
    "emergency",
    "appointment_when",
    "appointment_service",
    "appointment_staff",
    "date_hours",
    "closures",
    "x_custom",
)
_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([BERLIN, CHICAGO, ZoneInfo("UTC")]),
)
_VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 +-:./$€apmAPMUhr", max_size=20),
    _MOMENTS.map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(
        [
            "1",
            "yes",
            "no",
            "book",
            "cancel",
            "reschedule",
            "message",
            "gas",
            "other_day",
            "other_staff",
            "closed",
            "08:00-12:30,13:30-18:00",
            "+49 30 1234567",
            "anna.s@example.com",
            "$25",
            "95 €",
            "Dr. Lena Sommer",
            "it was cancelled twice",
            "Mon 3 pm",
            "unknown_service",
            "past",
            "phone",
            "offered_slot",
            "choice",
            "a, b, c",
        ]
    ),
    st.sampled_from(FIELD_TYPES),
    st.sampled_from(INVALID_PROBLEMS),
)
_SLOTS = st.builds(
    lambda start, minutes, name: Slot(
        start=start, end=start + timedelta(minutes=minutes), staff="s", staff_name=name, service="x"
    ),
    _MOMENTS,
    st.integers(15, 180),
    st.one_of(st.text(max_size=20), st.sampled_from(["Alex", "Dr. Jonas Weber"])),
)
_ITEMS = st.builds(
    PlanItem,
    kind=st.sampled_from(PLAN_KINDS),
    data=st.dictionaries(
        st.one_of(st.sampled_from(_KEYS), st.text(max_size=8)), _VALUES, max_size=8
    ),
    slots=st.lists(_SLOTS, max_size=3).map(tuple),
)
PLANS = st.builds(
    ReplyPlan,
    lang=st.sampled_from(LANGS),
    items=st.lists(_ITEMS, max_size=4).map(tuple),
    business_name=st.one_of(st.just(""), st.text(max_size=20), st.just("Bloom Hair Studio")),
    options=st.lists(st.text(max_size=10), max_size=3).map(tuple),
)
