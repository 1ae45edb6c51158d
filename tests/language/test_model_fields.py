"""A model's field values are held to the offline extractors' rules, for any value at all."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from language.model_fields import check_value
from language.types import FIELD_TYPES, CatalogItem, FieldCandidate

from .contract import CONTEXT

TEXT = "I'm Anna Schmidt, +49 30 1234567, anna@example.com, a cleaning with Dr. Sommer"


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(FIELD_TYPES),
    value=st.text(max_size=60),
    text=st.sampled_from((TEXT, "", "ja bitte", "x" * 300)),
)
def test_any_value_is_either_a_well_formed_candidate_or_a_reason(
    kind: str, value: str, text: str
) -> None:
    checked = check_value(kind, value, text, CONTEXT, "en")  # type: ignore[arg-type]
    if isinstance(checked, str):
        assert checked
        return
    assert isinstance(checked, FieldCandidate) and checked.type == kind
    start, end = checked.span
    assert 0 <= start <= end <= len(text)
    if kind == "service":
        assert checked.value in {s.id for s in CONTEXT.services}
    if kind == "staff":
        assert checked.value in {s.id for s in CONTEXT.staff} | {"any"}
    if kind in ("person_name", "email", "address", "text"):
        assert end > start  # taken from the message, never made up
    if kind == "date":
        assert checked.value >= CONTEXT.now.date().isoformat()


def test_the_offline_rules_apply() -> None:
    def value(kind: str, v: str) -> str:
        out = check_value(kind, v, TEXT, CONTEXT, "en")  # type: ignore[arg-type]
        return out if isinstance(out, str) else f"ok:{out.value}"

    assert value("service", "cleaning") == "ok:cleaning"
    assert value("service", "whitening") == "service 'whitening' is not in the catalog"
    assert value("staff", "sommer") == "ok:sommer"
    assert value("phone", "+49 30 1234567") == "ok:+49301234567"
    assert value("phone", "+49 30 7654321").endswith("is not in the message")
    assert value("email", "anna@example.com") == "ok:anna@example.com"
    assert value("person_name", "Anna Schmidt") == "ok:Anna Schmidt"
    assert value("person_name", "Bob Miller").endswith("is not in the message")
    assert value("date", "2026-11-19") == "date 2026-11-19 has passed"
    assert value("date", "2026-02-30") == "date '2026-02-30' does not exist"
    assert value("date", "2026-11-27") == "ok:2026-11-27"
    assert value("offered_slot", "2026-11-24T15:00:00+01:00").endswith("was not offered")


def test_a_model_guess_among_items_the_words_fit_alike_is_refused() -> None:
    """ "haircut" fits the women's and the men's haircut: the model may not pick one; a
    message that names one clearly is the model's to take."""
    salon = CONTEXT.model_copy(
        update={
            "services": (
                CatalogItem(id="womens_cut", names=("women's haircut", "haircut")),
                CatalogItem(id="mens_cut", names=("men's haircut", "haircut")),
            )
        }
    )
    guess = check_value("service", "womens_cut", "I'd like a haircut", salon, "en")
    assert isinstance(guess, str) and "womens_cut, mens_cut" in guess
    clear = check_value("service", "mens_cut", "a men's haircut please", salon, "en")
    assert isinstance(clear, FieldCandidate) and clear.value == "mens_cut"
