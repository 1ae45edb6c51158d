"""Business files: the three demo businesses hold the demo facts; bad files fail precisely."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import (
    ConfigError,
    interpolate,
    load_business,
    load_business_text,
    load_businesses,
)
from engine.business import WEEKDAYS, Business
from machines.card import RequiredField, Step
from rules.errors import FrontdeskError
from tests.fakes.business_files import TINY, line_of

DEMO_DIR = Path(__file__).resolve().parents[2] / "examples" / "businesses"
CARDS = (
    "book",
    "reschedule",
    "cancel",
    "faq",
    "hours",
    "message",
    "human",
    "emergency",
    "smalltalk",
    "out_of_scope",
)


def yaml_quoted(value: str) -> str:
    """A YAML double-quoted scalar for any text (every non-plain character escaped)."""
    return (
        '"'
        + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in value)
        + '"'
    )


def fails(text: str, env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_business_text(text, "shop.yaml", env or {})
    return caught.value


@pytest.fixture(scope="module")
def demo() -> dict[str, Business]:
    return load_businesses(DEMO_DIR, {})


def hours_table(business: Business) -> dict[str, list[tuple[str, str]]]:
    return {
        day: [(f"{iv.start:%H:%M}", f"{iv.end:%H:%M}") for iv in business.hours[day].open]
        for day in WEEKDAYS
        if day in business.hours
    }


def staff_matrix(business: Business) -> dict[str, set[str]]:
    return {member.id: set(member.services) for member in business.staff}


# ---------------------------------------------------------------------------- demo facts


def test_demo_directory_holds_exactly_the_three_demo_businesses(demo: dict[str, Business]) -> None:
    assert set(demo) == {"praxis-sommer", "bloom-salon", "rapid-rooter"}


def test_praxis_sommer_facts(demo: dict[str, Business]) -> None:
    b = demo["praxis-sommer"]
    assert (b.name, b.kind, b.city) == ("Zahnarztpraxis Dr. Sommer", "dental", "Berlin")
    assert (b.timezone, b.languages, b.phone_region) == ("Europe/Berlin", ("de", "en"), "DE")
    long_day = [("08:00", "12:30"), ("13:30", "18:00")]
    assert hours_table(b) == {
        "mon": long_day,
        "tue": long_day,
        "wed": long_day,
        "thu": long_day,
        "fri": [("08:00", "14:00")],
        "sat": [],
        "sun": [],
    }
    assert set(b.closures_yearly) == {"12-24", "12-25", "12-26", "12-31", "01-01"}
    assert {m.id: m.name for m in b.staff} == {
        "lena_sommer": "Dr. Lena Sommer",
        "jonas_weber": "Dr. Jonas Weber",
        "mia_keller": "Mia Keller",
    }
    assert staff_matrix(b) == {
        "lena_sommer": {"checkup", "filling", "root_canal", "emergency"},
        "jonas_weber": {"checkup", "filling", "emergency"},
        "mia_keller": {"cleaning"},
    }
    catalogue = {
        s.id: (s.name["de"], s.name["en"], s.duration_min, s.price["de"], s.price["en"])
        for s in b.services
    }
    assert catalogue == {
        "checkup": (
            "Kontrolluntersuchung",
            "check-up",
            30,
            "Kassenleistung",
            "covered by insurance",
        ),
        "cleaning": ("Professionelle Zahnreinigung", "professional cleaning", 60, "95 €", "95 €"),
        "filling": ("Füllung", "filling", 45, "ab 60 €", "from 60 €"),
        "root_canal": (
            "Wurzelbehandlung",
            "root canal treatment",
            90,
            "nach Kostenvoranschlag",
            "by estimate",
        ),
        "emergency": (
            "Notfallbehandlung",
            "emergency treatment",
            30,
            "Kassenleistung",
            "covered by insurance",
        ),
    }
    assert [s.id for s in b.services if s.emergency] == ["emergency"]
    assert {d.id: (d.name["de"], d.name["en"], d.phone) for d in b.departments} == {
        "rezeption": ("Rezeption", "front desk", "+49301234567"),
        "abrechnung": ("Abrechnung", "billing", "+49301234568"),
    }
    e = b.emergency
    assert (e.during_hours_transfer, e.after_hours_transfer) == ("rezeption", None)
    assert (e.after_hours_phone, e.after_hours_take_message) == ("+493089004333", True)
    assert {"Schwellung", "Unfall"} <= set(e.keywords["de"])
    assert {"severe pain", "broken tooth"} <= set(e.keywords["en"])
    cleaning = b.service("cleaning")
    assert {"Zahnreinigung", "PZR", "Prophylaxe"} <= set(cleaning.aliases["de"])
    assert {"cleaning", "teeth cleaning"} <= set(cleaning.aliases["en"])
    assert {"Dr. Sommer", "Frau Dr. Sommer", "Lena"} <= set(b.staff_member("lena_sommer").aliases)
    assert {"Dr. Weber", "Jonas"} <= set(b.staff_member("jonas_weber").aliases)
    assert {"Mia", "Frau Keller"} <= set(b.staff_member("mia_keller").aliases)
    faq = {f.id: f for f in b.faq}
    assert {"insurance", "parking", "accessibility", "anxious_patients"} <= set(faq)
    assert "Innenhof" in faq["parking"].answer["de"] and "courtyard" in faq["parking"].answer["en"]
    assert "stufenlos" in faq["accessibility"].answer["de"]
    assert "step-free" in faq["accessibility"].answer["en"]
    assert "gesetzlich und privat" in faq["insurance"].answer["de"]
    assert "extra time" in faq["anxious_patients"].answer["en"]
    assert b.messages.file == "var/messages/praxis-sommer.jsonl" and b.messages.webhook is None


def test_bloom_salon_facts(demo: dict[str, Business]) -> None:
    b = demo["bloom-salon"]
    assert (b.name, b.kind) == ("Bloom Hair Studio", "salon")
    assert (b.timezone, b.languages, b.phone_region) == ("America/Los_Angeles", ("en",), "US")
    day = [("09:00", "19:00")]
    assert hours_table(b) == {
        "mon": [],
        "tue": day,
        "wed": day,
        "thu": day,
        "fri": day,
        "sat": [("09:00", "17:00")],
        "sun": [],
    }
    assert b.closures == () and b.closures_yearly == ()
    assert staff_matrix(b) == {
        "alex": {"womens_cut", "mens_cut", "root_color"},
        "sam": {"womens_cut", "mens_cut", "kids_cut", "blowout"},
        "jordan": {"root_color", "full_highlights", "balayage"},
    }
    assert {s.id: (s.duration_min, s.price["en"]) for s in b.services} == {
        "womens_cut": (60, "$65"),
        "mens_cut": (30, "$35"),
        "kids_cut": (30, "$25"),
        "blowout": (45, "$45"),
        "root_color": (90, "$95"),
        "full_highlights": (150, "$180"),
        "balayage": (180, "$220"),
    }
    assert not any(s.emergency for s in b.services)
    assert {"haircut", "trim"} <= set(b.service("womens_cut").aliases["en"])
    assert (b.changes.late_window_hours, b.changes.late_fee) == (24, {"en": "$25"})
    assert [(d.id, d.phone) for d in b.departments] == [("front_desk", "+15035550140")]
    assert b.emergency.during_hours_transfer == "front_desk"
    faq = " ".join(f.answer["en"] for f in b.faq)
    for fact in (
        "street parking",
        "garage on the corner",
        "only when a stylist is free",
        "gift cards are sold in the studio",
        "Aveda",
    ):
        assert fact in faq


def test_rapid_rooter_facts(demo: dict[str, Business]) -> None:
    b = demo["rapid-rooter"]
    assert (b.name, b.kind, b.city) == ("Rapid Rooter Plumbing", "trades", "Chicago")
    assert (b.timezone, b.languages, b.phone_region) == ("America/Chicago", ("en",), "US")
    day = [("07:00", "18:00")]
    assert hours_table(b) == {
        "mon": day,
        "tue": day,
        "wed": day,
        "thu": day,
        "fri": day,
        "sat": [("08:00", "12:00")],
        "sun": [],
    }
    everything = {
        "diagnostic",
        "drain_cleaning",
        "water_heater",
        "leak_repair",
        "emergency_callout",
    }
    assert staff_matrix(b) == {"mike": everything, "priya": everything, "dan": everything}
    assert {s.id: (s.duration_min, s.price["en"]) for s in b.services} == {
        "diagnostic": (60, "$89"),
        "drain_cleaning": (90, "$149"),
        "water_heater": (120, "$199"),
        "leak_repair": (60, "from $120"),
        "emergency_callout": (60, "$250"),
    }
    assert [s.id for s in b.services if s.emergency] == ["emergency_callout"]
    assert {"drain", "clogged drain"} <= set(b.service("drain_cleaning").aliases["en"])
    assert "water heater" in b.service("water_heater").aliases["en"]
    assert {"leak", "leaking pipe"} <= set(b.service("leak_repair").aliases["en"])
    oncall = b.department("oncall")
    assert (oncall.phone, oncall.after_hours) == ("+13125550199", True)
    e = b.emergency
    assert (e.during_hours_transfer, e.after_hours_transfer) == ("oncall", "oncall")
    assert {"flooding", "burst pipe", "sewage backing up", "no water at all"} <= set(
        e.keywords["en"]
    )
    gas = e.hazard_instructions["gas"]["en"]
    for instruction in (
        "leave the building",
        "Do not switch anything on or off",
        "gas utility's emergency line",
        "911",
        "outside",
    ):
        assert instruction in gas


def test_rapid_rooter_book_collects_address_and_problem_before_confirming(
    demo: dict[str, Business],
) -> None:
    book = next(t for t in demo["rapid-rooter"].topics if t.card == "book")
    fields = [RequiredField.model_validate(f) for f in book.override["required_fields"]]
    steps = [Step.model_validate(s) for s in book.override["steps"]]
    assert [(f.name, f.type) for f in fields] == [
        ("service", "service"),
        ("staff", "staff"),
        ("date", "date"),
        ("time", "time"),
        ("slot", "offered_slot"),
        ("name", "person_name"),
        ("phone", "phone"),
        ("address", "address"),
        ("problem", "text"),
    ]
    assert fields[7].prompt == {"en": "What is the service address?"}
    assert fields[8].prompt == {"en": "Please describe the problem briefly."}
    assert [s.id for s in steps] == [
        "service",
        "date",
        "find",
        "slot",
        "name",
        "phone",
        "address",
        "problem",
        "confirm",
        "book",
    ]
    by_id = {s.id: s for s in steps}
    assert (by_id["find"].action, by_id["find"].on_fail) == ("find_slots", "date")
    assert (by_id["confirm"].kind, by_id["confirm"].on_deny) == ("confirm", "date")
    assert (by_id["book"].action, by_id["book"].on_fail) == ("book", "find")
    assert all(s.field == s.id for s in steps if s.kind == "collect")
    message = next(t for t in demo["rapid-rooter"].topics if t.card == "message")
    assert "I need a quote for a bathroom remodel" in message.extra_examples["en"]
    assert "can you give me an estimate for repiping the house" in message.extra_examples["en"]


@pytest.mark.parametrize("slug", ["praxis-sommer", "bloom-salon", "rapid-rooter"])
def test_every_demo_business_is_complete_in_its_languages(
    demo: dict[str, Business],
    slug: str,
) -> None:
    b = demo[slug]
    langs = set(b.languages)
    assert tuple(t.card for t in b.topics) == CARDS
    assert b.messages.file == f"var/messages/{slug}.jsonl"
    for service in b.services:
        assert set(service.name) == langs and set(service.price) == langs
        assert set(service.aliases) <= langs
    for item in b.faq:
        assert set(item.question) == langs and set(item.answer) == langs
    assert set(b.emergency.keywords) <= langs
    phones = [d.phone for d in b.departments] + [b.emergency.after_hours_phone or ""]
    for phone in filter(None, phones):
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone


def test_each_demo_file_loads_alone(demo: dict[str, Business]) -> None:
    for slug, business in demo.items():
        assert load_business(DEMO_DIR / f"{slug}.yaml", {}) == business


# ------------------------------------------------------------------------ YAML semantics


def test_yes_no_on_off_stay_strings() -> None:
    text = TINY.replace("  - card: book\n", "  - card: book\n    override: {on: yes, off: no}\n")
    text += "faq:\n  - id: pets\n    question: {en: yes}\n    answer: {en: no}\n    keywords: [on, off]\n"
    b = load_business_text(text, "shop.yaml", {})
    assert b.topics[0].override == {"on": "yes", "off": "no"}
    assert (b.faq[0].question, b.faq[0].answer) == ({"en": "yes"}, {"en": "no"})
    assert b.faq[0].keywords == ("on", "off")


def test_unquoted_times_are_times_not_sexagesimal_numbers() -> None:
    interval = load_business_text(TINY, "shop.yaml", {}).hours["mon"].open[0]
    assert (interval.start, interval.end) == (time(9, 0), time(17, 0))


def test_yaml_1_1_directive_is_refused() -> None:
    error = fails("%YAML 1.1\n---\n" + TINY)
    assert str(error) == "shop.yaml:1: (document): only YAML 1.2 is read, not 1.1"


def test_a_yaml_1_2_directive_is_fine() -> None:
    assert load_business_text("%YAML 1.2\n---\n" + TINY, "shop.yaml", {}).slug == "tiny-shop"


# -------------------------------------------------------------------------------- errors


def test_config_error_is_a_frontdesk_error() -> None:
    assert issubclass(ConfigError, FrontdeskError)


def test_unknown_key_names_file_line_and_field() -> None:
    text = TINY.replace("    name: Ann\n", "    name: Ann\n    colour: blue\n")
    assert str(fails(text)) == f"shop.yaml:{line_of(text, 'colour')}: staff[0].colour: unknown key"


def test_unknown_top_level_key() -> None:
    text = TINY + "opening_hours: always\n"
    assert (
        str(fails(text))
        == f"shop.yaml:{line_of(text, 'opening_hours')}: opening_hours: unknown key"
    )


def test_wrong_type_names_file_line_and_field() -> None:
    text = TINY.replace("duration_min: 30", "duration_min: thirty")
    message = str(fails(text))
    assert message.startswith(f"shop.yaml:{line_of(text, 'thirty')}: services[0].duration_min: ")
    assert "valid integer" in message


def test_bad_time_names_file_line_and_field() -> None:
    text = TINY.replace("start: 09:00", "start: 25:00")
    message = str(fails(text))
    assert message.startswith(f"shop.yaml:{line_of(text, '25:00')}: hours.mon.open[0].start: ")
    assert "time" in message


def test_a_number_is_not_a_time() -> None:
    text = TINY.replace("start: 09:00", "start: 9")
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, 'start: 9')}: hours.mon.open[0].start: "
        "write a time as 'HH:MM', e.g. '08:00'"
    )


def test_reversed_interval_points_at_the_interval() -> None:
    text = TINY.replace("end: 17:00", "end: 08:00")
    message = str(fails(text))
    assert message.startswith(f"shop.yaml:{line_of(text, 'end: 08:00')}: hours.mon.open[0]: ")
    assert "must be before end" in message


def test_staff_naming_an_unknown_service_points_at_the_entry() -> None:
    text = TINY.replace("services: [cut]", "services:\n      - cut\n      - colr")
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, '- colr')}: staff[0].services[1]: "
        "staff 'ann' names an unknown service 'colr' (services: cut)"
    )


def test_emergency_transfer_to_an_unknown_department() -> None:
    text = TINY + "emergency:\n  during_hours_transfer: desk\n"
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, 'during_hours_transfer')}: emergency.during_hours_transfer: "
        "unknown department 'desk' (departments: none defined)"
    )


def test_unknown_timezone_names_file_line_and_field() -> None:
    text = TINY.replace("Europe/Berlin", "Europe/Atlantis")
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, 'Atlantis')}: timezone: unknown timezone 'Europe/Atlantis'"
    )


def test_missing_variable_names_it_with_file_line_and_field() -> None:
    text = TINY.replace("name: Tiny Shop", "name: ${SHOP_NAME}")
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, 'SHOP_NAME')}: name: environment variable SHOP_NAME is not "
        "set and has no default (write ${SHOP_NAME:-default} to give one)"
    )


def test_the_process_environment_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_NAME", "From the process")
    fails(TINY.replace("name: Tiny Shop", "name: ${SHOP_NAME}"))


def test_missing_required_key() -> None:
    text = TINY.replace("phone_region: DE\n", "")
    assert str(fails(text)) == "shop.yaml:1: phone_region: required key is missing"


def test_every_problem_is_reported_in_line_order() -> None:
    text = (
        TINY.replace("duration_min: 30", "duration_min: -5").replace(
            "Europe/Berlin", "Nowhere/City"
        )
        + "records: true\n"
    )
    problems = fails(text).problems
    assert [p.split(": ")[1] for p in problems] == [
        "timezone",
        "services[0].duration_min",
        "records",
    ]
    numbers = [int(p.split(":")[1]) for p in problems]
    assert numbers == sorted(numbers)


def test_invalid_yaml_names_file_and_line() -> None:
    text = TINY.replace("languages: [en]", "languages: [en")
    message = str(fails(text))
    assert message.startswith("shop.yaml:")
    assert "invalid YAML" in message
    line = int(message.split(":")[1])
    assert line_of(text, "languages") <= line <= line_of(text, "hours")


def test_duplicate_key_is_refused_with_its_line() -> None:
    text = TINY + "name: Other Shop\n"
    message = str(fails(text))
    assert message.startswith(f"shop.yaml:{len(text.splitlines())}: (document): invalid YAML: ")
    assert "duplicate key" in message


@pytest.mark.parametrize("tagged", ["!shell Tiny", "!!python/object/apply:os.system [ls]"])
def test_yaml_tags_are_refused(tagged: str) -> None:
    message = str(fails(TINY.replace("name: Tiny Shop", f"name: {tagged}")))
    assert message.startswith("shop.yaml:2: ")
    assert "tag" in message and "not allowed" in message


def test_one_off_closures_are_dates() -> None:
    text = TINY + "closures: [2025-08-15, 2025-08-18]\n"
    b = load_business_text(text, "shop.yaml", {})
    assert [d.isoformat() for d in b.closures] == ["2025-08-15", "2025-08-18"]


def test_an_impossible_date_names_its_line() -> None:
    text = TINY + "closures: [2025-02-28, 2025-02-30]\n"
    assert str(fails(text)) == (
        f"shop.yaml:{line_of(text, 'closures')}: (document): invalid YAML: day is out of range for month"
    )


def test_a_document_that_is_not_a_mapping() -> None:
    assert str(fails("- just\n- a list\n")) == (
        "shop.yaml:1: (document): a business file is a mapping of keys to values"
    )


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_business(tmp_path / "nope.yaml", {})


# ------------------------------------------------------------------------- interpolation


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "Tiny Shop"), ({"SHOP": ""}, "Tiny Shop"), ({"SHOP": "Big Shop"}, "Big Shop")],
)
def test_interpolation_with_default(env: dict[str, str], expected: str) -> None:
    text = TINY.replace("name: Tiny Shop", "name: ${SHOP:-Tiny Shop}")
    assert load_business_text(text, "shop.yaml", env).name == expected


def test_interpolation_rules() -> None:
    env = {"A": "1", "EMPTY": ""}
    assert interpolate("x${A}y", env) == "x1y"
    assert interpolate("${EMPTY}", env) == ""
    assert interpolate("${EMPTY:-d}", env) == "d"
    assert interpolate("$${A} costs $65", env) == "${A} costs $65"
    for bad, reason in [
        ("${A", "unclosed"),
        ("${1X}", "not a variable reference"),
        ("${A:-${B}}", "cannot contain another reference"),
    ]:
        with pytest.raises(ConfigError, match=reason):
            interpolate(bad, env)


def test_webhook_delivery_from_the_environment() -> None:
    text = TINY + "messages:\n  webhook:\n    url: ${HOOK_URL}\n    secret: ${HOOK_SECRET}\n"
    env = {"HOOK_URL": "https://example.test/hook", "HOOK_SECRET": "s3cret-s3cret"}
    webhook = load_business_text(text, "shop.yaml", env).messages.webhook
    assert webhook is not None and (webhook.url, webhook.secret) == (
        env["HOOK_URL"],
        "s3cret-s3cret",
    )
    message = str(fails(text, {**env, "HOOK_SECRET": "short"}))
    assert message.startswith(f"shop.yaml:{line_of(text, 'secret')}: messages.webhook.secret: ")
    assert "short" not in message.split(": ", 2)[2]  # the secret itself is not echoed


_NAMES = ("A", "B_2", "_c")
_plain = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="$"), max_size=8)
_default = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="$}"), max_size=6
)
_part = st.one_of(
    _plain.map(lambda s: ("text", s, None)),
    st.just(("escape", "", None)),
    st.tuples(st.just("ref"), st.sampled_from(_NAMES), st.none() | _default),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_part, max_size=6), st.dictionaries(st.sampled_from(_NAMES), _plain))
def test_interpolation_matches_its_parts(
    parts: list[tuple[str, str, str | None]],
    env: dict[str, str],
) -> None:
    template, expected, missing = "", "", []
    for kind, value, default in parts:
        if kind == "text":
            template, expected = template + value, expected + value
        elif kind == "escape":
            template, expected = template + "$${", expected + "${"
        else:
            template += "${" + value + ("" if default is None else ":-" + default) + "}"
            if env.get(value) or (value in env and default is None):
                expected += env[value]
            elif default is not None:
                expected += default
            else:
                missing.append(value)
    if missing:
        with pytest.raises(ConfigError, match=f"environment variable {missing[0]} is not set"):
            interpolate(template, env)
    else:
        assert interpolate(template, env) == expected


_noisy = st.text(
    st.sampled_from("$${}:-AB_x 1") | st.characters(blacklist_categories=("Cs",)), max_size=20
)


@settings(max_examples=150, deadline=None)
@given(_noisy, st.dictionaries(st.sampled_from(("A", "B", "AB", "x")), _plain))
def test_any_template_interpolates_or_fails_clearly(template: str, env: dict[str, str]) -> None:
    text = TINY.replace("name: Tiny Shop", "name: " + yaml_quoted(template))
    try:
        business = load_business_text(text, "shop.yaml", env)
    except ConfigError as error:
        assert "${" in template
        (problem,) = error.problems
        assert problem.startswith(f"shop.yaml:{line_of(text, 'name: ')}: name: ")
        assert "environment variable" in problem or "${" in problem
    else:
        if "$" not in template:
            assert business.name == template
        assert business.name == interpolate(template, env)


# ------------------------------------------------------------------------ the directory


def test_duplicate_slugs_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(TINY.replace("Tiny Shop", "Copy"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_businesses(tmp_path, {})
    assert str(caught.value) == (
        f"{tmp_path / 'b.yaml'}:1: slug: duplicate slug 'tiny-shop', also used by {tmp_path / 'a.yaml'}"
    )


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(TINY.replace("Europe/Berlin", "Bad/Zone"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(TINY + "extra: 1\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a business", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_businesses(tmp_path, {})
    # b.yaml: its unknown key, and the slug a.yaml (broken as it is) already declares
    assert [p.split(":")[0] for p in caught.value.problems] == [
        str(tmp_path / "a.yaml"),
        str(tmp_path / "b.yaml"),
        str(tmp_path / "b.yaml"),
    ]
    assert "duplicate slug 'tiny-shop'" in caught.value.problems[-1]


def test_businesses_are_keyed_by_slug(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(
        TINY.replace("slug: tiny-shop", "slug: other-shop"), encoding="utf-8"
    )
    assert sorted(load_businesses(tmp_path, {})) == ["other-shop", "tiny-shop"]
