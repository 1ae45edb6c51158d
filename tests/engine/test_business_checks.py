"""Checks across the sections of a business file: every problem in one run, cross-checks
included, each at its own line, with a "did you mean" where a name is close to a known one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.business_files import (
    business_files_of,
    read_business_folder,
    read_business_text,
    slugs_in,
)
from engine.business_checks import cross_check, did_you_mean, unknown
from machines.loader import bundled_cards
from tests.fakes.business_files import TINY, line_of

CARDS = bundled_cards()

SHOP = """\
slug: corner-shop
name: Corner Shop
timezone: Europe/Berlin
languages: [en]
phone_region: DE
hours:
  mon: {open: [{start: 09:00, end: 12:00}, {start: 13:00, end: 17:00}]}
  tue: {open: [{start: 09:00, end: 17:00}]}
staff:
  - id: ann
    name: Ann
    services: [cut, colour]
    time_off:
      - {start: 2026-12-01, end: 2026-12-05}
      - 2026-12-03
  - id: bob
    name: Bob
    services: [cut]
services:
  - id: cut
    name: {en: cut}
    duration_min: 30
    price: {en: $10}
  - id: color
    name: {en: colour}
    duration_min: 600
    price: {en: $50}
  - id: cut
    name: {en: second cut}
    duration_min: 30
    price: {en: $12}
departments:
  - id: front_desk
    name: {en: front desk}
    phone: "+49301234567"
emergency:
  during_hours_transfer: frontdesk
closures_yearly: ["12-24", "13-40"]
topics:
  - card: book
  - card: bokk
  - card: faq
    override: {allowed_actions: [answer_faq, find_slot]}
"""


def problems(text: str, cards: bool = True) -> list[str]:
    read = read_business_text(text, "shop.yaml", {}, CARDS if cards else None)
    assert (read.business is None) == bool(read.problems)
    return list(read.problems)


def test_every_cross_check_of_a_file_is_reported_in_one_run_each_at_its_line() -> None:
    found = problems(SHOP)
    expected = [
        (
            line_of(SHOP, "services: [cut, colour]"),
            "staff[0].services[1]",
            "staff 'ann' names an unknown service 'colour' (did you mean 'color'? services: "
            "cut, color)",
        ),
        (
            line_of(SHOP, "- 2026-12-03"),
            "staff[0].time_off[1]",
            "time off of staff 'ann' overlaps: time_off[0] (2026-12-01 – 2026-12-05) and "
            "time_off[1] (2026-12-03); merge them into one entry",
        ),
        # ann's 'colour' is not 'color', so nobody does it
        (
            line_of(SHOP, "- id: color"),
            "services[1].id",
            "service 'color' is done by no staff member",
        ),
        (
            line_of(SHOP, "name: {en: second cut}") - 1,
            "services[2].id",
            "duplicate service id 'cut' (services[0] has it too)",
        ),
        (
            line_of(SHOP, "during_hours_transfer"),
            "emergency.during_hours_transfer",
            "unknown department 'frontdesk' (did you mean 'front_desk'? departments: front_desk)",
        ),
        (
            line_of(SHOP, "closures_yearly"),
            "closures_yearly[1]",
            "'13-40' is not a day of the year (MM-DD)",
        ),
        (
            line_of(SHOP, "card: bokk"),
            "topics[1].card",
            "unknown card 'bokk' (did you mean 'book'?",
        ),
        (
            line_of(SHOP, "find_slot"),
            "topics[2].override",
            "card 'faq' (override): unknown action 'find_slot' (did you mean 'find_slots'?)",
        ),
    ]
    assert len(found) == len(expected), "\n".join(found)
    for line, path, reason in expected:
        assert any(p.startswith(f"shop.yaml:{line}: {path}: {reason}") for p in found), (
            line,
            path,
            reason,
            found,
        )
    numbers = [int(p.split(":")[1]) for p in found]
    assert numbers == sorted(numbers)


def test_a_service_nobody_does_is_found_beside_a_field_error() -> None:
    # a field error elsewhere (a bad duration) does not hide the cross-checks
    text = SHOP.replace("services: [cut, colour]", "services: [cut]").replace(
        "duration_min: 30\n    price: {en: $10}", "duration_min: thirty\n    price: {en: $10}"
    )
    found = problems(text)
    assert any(": services[0].duration_min: Input should be a valid integer" in p for p in found), (
        found
    )
    assert any(
        ": services[1].id: service 'color' is done by no staff member" in p for p in found
    ), found


def test_without_cards_the_topics_are_not_checked_against_them() -> None:
    assert not any("topics[" in p for p in problems(SHOP, cards=False))


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (
            ("    name: Ann\n", "    name: Ann\n    servces: [cut]\n"),
            "staff[0].servces",
            "unknown key (did you mean 'services'?)",
        ),
        (
            ("phone_region: DE\n", "phone_region: DE\nlanguage:\n  mdoe: offline\n"),
            "language.mdoe",
            "unknown key (did you mean 'mode'?)",
        ),
        (("  mon: {open", "  monday: {open"), "hours.monday", "(did you mean 'mon'?)"),
        (
            ("name: Tiny Shop\n", "name: Tiny Shop\nkind: salons\n"),
            "kind",
            "(did you mean 'salon'?)",
        ),
    ],
)
def test_a_misspelt_key_or_choice_gets_a_did_you_mean(
    change: tuple[str, str], where: str, says: str
) -> None:
    text = TINY.replace(*change)
    assert text != TINY
    [problem] = problems(text)
    assert f": {where}: " in problem and problem.endswith(says), problem


def test_an_unknown_key_with_nothing_close_says_only_that() -> None:
    [problem] = problems(TINY.replace("    name: Ann\n", "    name: Ann\n    colour: blue\n"))
    assert problem.endswith(": staff[0].colour: unknown key")


def test_a_variable_that_is_not_set_is_reported_beside_the_other_problems() -> None:
    text = TINY.replace("name: Tiny Shop", "name: ${SHOP_NAME}").replace(
        "duration_min: 30", "duration_min: -1"
    )
    found = problems(text)
    assert [p.split(": ")[1] for p in found] == ["name", "services[0].duration_min"]


def test_a_value_whose_variable_is_not_set_is_not_also_reported_as_invalid() -> None:
    [problem] = problems(TINY.replace("Europe/Berlin", "${SHOP_TZ}"))
    assert ": timezone: environment variable SHOP_TZ is not set" in problem


def test_the_model_runs_the_same_checks_so_a_model_built_in_code_is_checked_too() -> None:
    from pydantic import ValidationError

    from engine.business import Business

    good = read_business_text(TINY, "shop.yaml", {}).business
    assert good is not None
    data = good.model_dump()
    data["staff"][0]["services"] = ["cut", "dye"]
    data["emergency"]["after_hours_transfer"] = "oncall"
    with pytest.raises(ValidationError) as caught:
        Business.model_validate(data)
    assert "unknown service 'dye'" in str(caught.value)
    assert "unknown department 'oncall'" in str(caught.value)  # both, in one error


def test_duplicate_ids_and_cards_are_reported_at_the_second_entry() -> None:
    text = TINY.replace("  - card: book\n", "  - card: book\n  - card: book\n")
    [problem] = problems(text)
    assert problem.startswith(
        f"shop.yaml:{line_of(text, 'card: book') + 1}: topics[1].card: card 'book' is used twice"
    )


@given(
    st.text(alphabet="abcdefghij_", min_size=1, max_size=8),
    st.lists(st.text(alphabet="abcdefghij_", min_size=1, max_size=8), max_size=6),
)
@settings(max_examples=200, deadline=None)
def test_did_you_mean_only_ever_offers_a_known_name(word: str, known: list[str]) -> None:
    hint = did_you_mean(word, known)
    assert hint == "" or any(hint == f"did you mean {k!r}?" for k in known)
    message = unknown("service", word, known)
    assert message.startswith(f"unknown service {word!r} (")
    assert message.endswith(f"services: {', '.join(known) or 'none'})")


def test_cross_check_of_data_that_is_not_even_the_right_shape_finds_nothing_to_say() -> None:
    for data in (
        {},
        {"staff": "everyone", "services": 3},
        {"staff": [1, None, "x"]},
        {"hours": "always", "staff": [{"id": "a", "services": "cut"}]},
    ):
        assert cross_check(data) == []


# ---------------------------------------------------------------------- folders


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_a_folder_reads_every_file_valid_or_with_its_problems(tmp_path: Path) -> None:
    write(tmp_path, "tiny-shop.yaml", TINY)
    write(tmp_path, "corner-shop.yaml", SHOP)
    write(tmp_path, "zz-broken.yaml", "slug: [unclosed\n")
    files = {f.path.name: f for f in read_business_folder(tmp_path, {}, CARDS)}
    assert files["tiny-shop.yaml"].business is not None and not files["tiny-shop.yaml"].problems
    assert files["corner-shop.yaml"].business is None
    assert len(files["corner-shop.yaml"].problems) == 8
    assert files["corner-shop.yaml"].slug == "corner-shop"
    assert files["zz-broken.yaml"].business is None and files["zz-broken.yaml"].slug == ""
    assert "invalid YAML" in files["zz-broken.yaml"].problems[0]


def test_one_business_is_found_without_reading_the_others(tmp_path: Path) -> None:
    write(tmp_path, "tiny-shop.yaml", TINY)
    write(tmp_path, "other.yaml", TINY.replace("slug: tiny-shop", "slug: other-shop"))
    write(tmp_path, "broken.yaml", "slug: [unclosed\n")
    assert business_files_of(tmp_path, "tiny-shop") == [tmp_path / "tiny-shop.yaml"]
    assert business_files_of(tmp_path, "other-shop") == [tmp_path / "other.yaml"]
    assert business_files_of(tmp_path, "nobody") == []
    assert slugs_in(tmp_path) == ["other-shop", "tiny-shop"]
    # SLUG.yaml that cannot be read far enough to say its slug is still that business's
    # file: its problems are shown, not an unknown business
    write(tmp_path, "broken-shop.yaml", "slug: broken-shop\nname: [unclosed\n")
    assert business_files_of(tmp_path, "broken-shop") == [tmp_path / "broken-shop.yaml"]
