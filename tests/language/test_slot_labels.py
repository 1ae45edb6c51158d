"""Button labels of offered slots: short, distinct, and read back as exactly their slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from language.embedding import HashingEmbedder
from language.extract import choose_offered, extract_all
from language.offline import OfflineBackend
from language.slot_labels import label_language, normalise, slot_for_label, slot_labels
from language.templates import format_slot, format_time
from language.types import Lang, Slot, UnderstandContext

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
LA = ZoneInfo("America/Los_Angeles")
LANGS: tuple[Lang, ...] = ("en", "de")


def _slot(start: datetime, staff: str = "alex", name: str = "Alex") -> Slot:
    return Slot(
        start=start,
        end=start + timedelta(minutes=45),
        staff=staff,
        staff_name=name,
        service="mens_cut",
    )


# Thursday 26 Nov 10:00 with Alex, 15:00 with Sam, Friday 11:30 with Alex
OFFER = (
    _slot(datetime(2026, 11, 26, 10, 0, tzinfo=LA)),
    _slot(datetime(2026, 11, 26, 15, 0, tzinfo=LA), "sam", "Sam"),
    _slot(datetime(2026, 11, 27, 11, 30, tzinfo=LA)),
)


def test_a_label_is_weekday_time_and_staff_in_the_conversation_s_language() -> None:
    assert slot_labels(OFFER, "en") == (
        "Thu 10:00 am · Alex",
        "Thu 3:00 pm · Sam",
        "Fri 11:30 am · Alex",
    )
    assert slot_labels(OFFER, "de") == ("Do 10:00 · Alex", "Do 15:00 · Sam", "Fr 11:30 · Alex")
    for lang in LANGS:  # a WhatsApp button's title
        assert all(len(label) <= 20 for label in slot_labels(OFFER, lang))


def test_one_staff_member_is_not_repeated_on_every_button() -> None:
    alex = tuple(s for s in OFFER if s.staff == "alex")
    assert slot_labels(alex, "en") == ("Thu 10:00 am", "Fri 11:30 am")
    assert slot_labels((), "en") == ()


def test_the_date_is_added_when_the_weekday_alone_is_ambiguous() -> None:
    later = _slot(datetime(2026, 12, 3, 9, 0, tzinfo=LA))  # Thursday a week later
    assert slot_labels((OFFER[0], later), "en") == ("Thu 26 Nov 10:00 am", "Thu 3 Dec 9:00 am")
    assert slot_labels((OFFER[0], later), "de") == ("Do 26.11. 10:00", "Do 03.12. 09:00")


def test_long_staff_names_are_short_unless_two_would_read_the_same() -> None:
    at = datetime(2026, 3, 4, 9, 0, tzinfo=BERLIN)  # Wednesday
    weber = _slot(at, "jonas_weber", "Dr. Jonas Weber")
    sommer = _slot(at + timedelta(hours=1), "lena_sommer", "Dr. Lena Sommer")
    assert slot_labels((weber, sommer), "de") == ("Mi 09:00 · Dr. Weber", "Mi 10:00 · Dr. Sommer")
    other = _slot(at + timedelta(hours=2), "max_weber", "Dr. Max Weber")
    assert slot_labels((weber, other), "en") == (
        "Wed 9:00 am · Dr. Jonas Weber",
        "Wed 11:00 am · Dr. Max Weber",
    )


def test_the_repeated_autumn_hour_carries_the_zone() -> None:
    first = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 1:30 CDT, then 1:30 CST
    offer = (
        _slot(first.astimezone(CHICAGO)),
        _slot((first + timedelta(hours=1)).astimezone(CHICAGO)),
    )
    assert offer[0].start.replace(tzinfo=None) == offer[1].start.replace(tzinfo=None)
    assert slot_labels(offer, "en") == ("Sun 1:30 am CDT", "Sun 1:30 am CST")
    # read back from the stored conversation, the slots carry bare offsets: given the
    # business's zone, the labels are the same
    stored = tuple(Slot.model_validate_json(s.model_dump_json()) for s in offer)
    assert slot_labels(stored, "en", "America/Chicago") == ("Sun 1:30 am CDT", "Sun 1:30 am CST")
    assert slot_labels(stored, "en") == ("Sun 1:30 am UTC-5", "Sun 1:30 am UTC-6")
    assert (
        choose_offered("sun 1:30AM cst", "en", stored, "America/Chicago").value
        == offer[1].start.isoformat()
    )  # type: ignore[union-attr]
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 2:30 MESZ, then 2:30 MEZ
    offer = (
        _slot(first.astimezone(BERLIN)),
        _slot((first + timedelta(hours=1)).astimezone(BERLIN)),
    )
    assert slot_labels(offer, "de") == ("So 02:30 MESZ", "So 02:30 MEZ")
    assert slot_labels(offer, "en") == ("Sun 2:30 am CEST", "Sun 2:30 am CET")
    for label, slot in zip(slot_labels(offer, "de"), offer, strict=True):
        assert choose_offered(label, "de", offer).value == slot.start.isoformat()  # type: ignore[union-attr]


def test_fixed_offsets_that_share_a_wall_time_are_told_apart_by_offset() -> None:
    wall = datetime(2026, 5, 6, 9, 0)
    offer = (
        _slot(wall.replace(tzinfo=ZoneInfo("Etc/GMT-2"))),  # abbreviation "+02"
        _slot(wall.replace(tzinfo=ZoneInfo("Etc/GMT-3"))),
    )
    assert slot_labels(offer, "en") == ("Wed 9:00 am UTC+2", "Wed 9:00 am UTC+3")


def test_labels_that_would_still_read_the_same_are_numbered() -> None:
    at = datetime(2026, 3, 4, 9, 0, tzinfo=BERLIN)
    offer = (_slot(at), _slot(at + timedelta(seconds=30)))  # never on a slot grid, but
    assert slot_labels(offer, "en") == ("1. Wed 9:00 am", "2. Wed 9:00 am")
    assert slot_for_label("2. wed 9:00AM", offer) == offer[1]


def test_a_pressed_german_label_is_german_although_do_reads_as_english() -> None:
    at = datetime(2026, 3, 5, 10, 0, tzinfo=BERLIN)  # Thursday: "Do"
    offer = (
        _slot(at - timedelta(hours=2), "jonas_weber", "Dr. Jonas Weber"),
        _slot(at, "jonas_weber", "Dr. Jonas Weber"),
        _slot(at, "lena_sommer", "Dr. Lena Sommer"),
    )
    labels = slot_labels(offer, "de", "Europe/Berlin")
    assert labels[1] == "Do 10:00 · Dr. Weber"
    ctx = UnderstandContext(
        now=at - timedelta(days=2),
        timezone="Europe/Berlin",
        languages=("de", "en"),
        conversation_lang="de",
        expected_field="slot",
        expected_type="offered_slot",
        offered=offer,
    )
    und = OfflineBackend(embedder=HashingEmbedder()).understand(labels[1], (), ctx)
    assert und.lang == "de"
    assert (und.fields[0].type, und.fields[0].value) == ("offered_slot", at.isoformat())
    assert label_language(labels[1], offer) == "de"
    assert label_language("Do 10:00", offer) is None  # not a button of this offer


@pytest.mark.parametrize("lang", LANGS)
def test_a_label_said_back_picks_its_slot_before_any_other_reading(lang: Lang) -> None:
    for label, slot in zip(slot_labels(OFFER, lang), OFFER, strict=True):
        for said in (label, label.upper(), f"  {label.replace(' ', '   ')} "):
            found = choose_offered(said, lang, OFFER)
            assert found is not None and found.value == slot.start.isoformat(), said
            assert found.confidence == 1.0 and not found.problem
    # the other language's label is still the button the customer pressed
    other: Lang = "de" if lang == "en" else "en"
    assert (
        choose_offered(slot_labels(OFFER, other)[2], lang, OFFER).value
        == OFFER[2].start.isoformat()
    )  # type: ignore[union-attr]


def test_a_label_shows_its_time_as_the_reply_text_does() -> None:
    """One time format: the button says the time the way the sentence offering it does."""
    for lang in LANGS:
        for label, slot in zip(slot_labels(OFFER, lang), OFFER, strict=True):
            clock = format_time(slot.start.time(), lang, unit=False)
            assert clock in label and clock in format_slot(slot, lang), (label, lang)
    # "Thu 10:00 am" on the button, "… at 10:00 am" in the sentence; "Do 10:00" and
    # "… um 10:00 Uhr" (the unit left off the button, as in the hours table)
    assert "10:00 am" in slot_labels(OFFER, "en")[0] and "10:00 am" in format_slot(OFFER[0], "en")
    assert slot_labels(OFFER, "de")[0].startswith("Do 10:00 ")
    assert "um 10:00 Uhr" in format_slot(OFFER[0], "de")


def test_a_label_worded_the_old_way_still_picks_its_slot() -> None:
    """Buttons sent before the labels took the reply text's clock ("Thu 10:00am",
    "Do 9:00") come back from WhatsApp and Telegram as they were: still their slot."""
    assert slot_for_label("Thu 10:00am · Alex", OFFER) == OFFER[0]
    assert slot_for_label("Thu 3:00PM · Sam", OFFER) == OFFER[1]
    assert slot_for_label("Fr 11:30 · Alex", OFFER) == OFFER[2]
    assert label_language("Fr 11:30 · Alex", OFFER) == "de"
    at = datetime(2026, 3, 4, 9, 0, tzinfo=BERLIN)
    offer = (
        _slot(at, "jonas_weber", "Dr. Jonas Weber"),
        _slot(at + timedelta(hours=1), "lena_sommer", "Dr. Lena Sommer"),
    )
    assert slot_labels(offer, "de") == ("Mi 09:00 · Dr. Weber", "Mi 10:00 · Dr. Sommer")
    assert slot_for_label("Mi 9:00 · Dr. Weber", offer) == offer[0]
    assert slot_for_label("mi 09:00 uhr · dr. weber", offer) == offer[0]
    assert slot_for_label("Mi 19:00 · Dr. Weber", offer) is None  # not 9 o'clock
    assert normalise("Thu 10:00am") == normalise("thu  10:00 AM")
    assert normalise("Do 09:00 Uhr") == normalise("Do 9:00")
    assert normalise("Do 10:00") != normalise("Do 10:00 am") != normalise("Do 10:00 pm")


def test_ordinals_and_times_still_choose_as_before() -> None:
    assert choose_offered("2", "en", OFFER).value == OFFER[1].start.isoformat()  # type: ignore[union-attr]
    assert choose_offered("den dritten", "de", OFFER).value == OFFER[2].start.isoformat()  # type: ignore[union-attr]
    assert choose_offered("the 3pm", "en", OFFER).value == OFFER[1].start.isoformat()  # type: ignore[union-attr]
    assert slot_for_label("2", OFFER) is None
    assert slot_for_label("Thu 10:00 am · Sam", OFFER) is None  # no such button


def test_a_label_of_an_older_offer_is_no_button_of_this_one() -> None:
    """Labels depend on the offer they belong to: pressed against another offer, the text
    is read like anything the customer types."""
    assert slot_for_label("Thu 10:00 am", OFFER) is None  # this offer says "· Alex"
    found = choose_offered("Thu 3:00 pm", "en", OFFER)
    assert found is not None and found.value == OFFER[1].start.isoformat()


def test_extract_all_puts_the_pressed_slot_first() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=LA)
    ctx = UnderstandContext(
        now=now,
        timezone="America/Los_Angeles",
        languages=("en",),
        expected_field="slot",
        expected_type="offered_slot",
        offered=OFFER,
    )
    label = slot_labels(OFFER, "en")[2]
    first = extract_all(label, ctx, "en")[0]
    assert (first.type, first.value, first.problem) == (
        "offered_slot",
        OFFER[2].start.isoformat(),
        "",
    )


# ------------------------------------------------------------------ for every offer

ZONES = st.sampled_from(
    [
        "America/Chicago",
        "Europe/Berlin",
        "America/Los_Angeles",
        "UTC",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "Etc/GMT+5",
    ]
)
# autumn changes (UTC) where a wall hour repeats, and ordinary moments
ANCHORS = st.sampled_from(
    [
        datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # America/Chicago
        datetime(2026, 11, 1, 8, 0, tzinfo=UTC),  # America/Los_Angeles
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),  # Europe/Berlin
        datetime(2026, 4, 4, 14, 30, tzinfo=UTC),  # Australia/Lord_Howe (half an hour back)
        datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
    ]
) | st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)
STEPS = st.one_of(
    st.lists(st.integers(-8, 8), min_size=1, max_size=10, unique=True),  # within hours
    st.lists(st.integers(-2000, 2000), min_size=1, max_size=10, unique=True),  # ±3 weeks
)
STAFF = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]),
    st.sampled_from(
        [
            "Alex",
            "Sam",
            "Dr. Jonas Weber",
            "Dr. Max Weber",
            "dr. jonas weber",
            "Mia Keller",
            "Alexandra Montgomery-Smith",
            "Alexandra Montgomery",
            "",
            "Dr. Lena Sommer",
        ]
    ),
    min_size=1,
)


@st.composite
def offers(draw: st.DrawFn) -> tuple[str, tuple[Slot, ...]]:
    """A business timezone and an offer in it: distinct instants, often around the night
    a wall hour repeats, within hours or spread over weeks, by one or several people."""
    zone = draw(ZONES)
    anchor = draw(ANCHORS)
    staff = draw(STAFF)
    ids = sorted(staff)
    slots = []
    for step in draw(STEPS):
        start = (anchor + timedelta(minutes=15 * step)).astimezone(ZoneInfo(zone))
        who = draw(st.sampled_from(ids))
        slots.append(_slot(start, who, staff[who]))
    return zone, tuple(slots)


@settings(max_examples=300, deadline=None)
@given(offer=offers(), lang=st.sampled_from(LANGS))
def test_every_offer_has_distinct_labels_that_read_back_as_their_slot(
    offer: tuple[str, tuple[Slot, ...]], lang: Lang
) -> None:
    zone, slots = offer
    labels = slot_labels(slots, lang, zone)
    assert len(labels) == len(slots)
    assert len({normalise(label) for label in labels}) == len(labels), labels
    # the offer as the conversation stored it (fixed UTC offsets): the same labels
    stored = tuple(Slot.model_validate_json(s.model_dump_json()) for s in slots)
    assert slot_labels(stored, lang, zone) == labels
    for label, slot in zip(labels, slots, strict=True):
        assert slot_for_label(label, slots, (lang,), zone) == slot
        found = choose_offered(label, lang, stored, zone)
        assert found is not None and found.value == slot.start.isoformat(), (label, labels)
