"""The grounding check: a reply states only times, dates, prices, numbers, names and
statuses its plan carries."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from language import PlanItem, ReplyPlan, Slot, check_grounded, render_plan
from language.claims import extract_claims
from language.grounding import plan_support
from tests.fakes.plans import PLANS

BERLIN = ZoneInfo("Europe/Berlin")
SLOT = Slot(
    start=datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN),
    end=datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN),
    staff="sommer",
    staff_name="Dr. Lena Sommer",
    service="cleaning",
)
OFFER = ReplyPlan(lang="en", items=(PlanItem(kind="offer_slots", slots=(SLOT,)),))
BOOKED = ReplyPlan(
    lang="en",
    items=(
        PlanItem(
            kind="booked",
            slots=(SLOT,),
            data={
                "service": "professional cleaning",
                "staff": "Dr. Lena Sommer",
                "when": SLOT.start.isoformat(),
            },
        ),
    ),
)
FEE = ReplyPlan(
    lang="de",
    items=(
        PlanItem(kind="late_fee", data={"fee": "95 €"}),
        PlanItem(kind="transfer", data={"phone": "+49 30 1234567"}),
    ),
)


@pytest.mark.parametrize(
    "text",
    [
        "I have Tue 24 Nov at 3:00 pm with Dr. Lena Sommer.",
        "How about 3pm on the 24th of November?",
        "Would 15:00 on 24.11. work? It's a Tuesday.",
        "Am Dienstag, 24.11. um 15 Uhr bei Dr. Sommer?",
        "Nov 24 at 3 p.m., with Lena Sommer.",
        "I have one time for you.",
    ],
)
def test_facts_from_the_plan_in_any_notation_pass(text: str) -> None:
    assert check_grounded(text, OFFER) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I have Tue 24 Nov at 4:00 pm.", "time"),
        ("I have 3:30 pm free.", "time"),
        ("We could do 16 Uhr.", "time"),
        ("I have Wed 25 Nov at 3:00 pm.", "date"),
        ("How about Friday at 3 pm?", "weekday"),
        ("Or the 26.11. instead?", "date"),
        ("A cleaning costs $95.", "price"),
        ("That's 60 € for a filling.", "price"),
        ("Call us on +1 312 555 0199.", "phone"),
        ("It's with Dr. Jonas Weber.", "name"),
        ("I have it with Jordan Smith.", "name"),
        ("You're booked!", "status"),
        ("Your appointment is confirmed.", "status"),
        ("I've cancelled it.", "status"),
        ("It has been moved to 3:00 pm.", "status"),
        ("Payment received, thank you.", "status"),
        ("I've passed it on to the team.", "status"),
        ("Ihr Termin ist gebucht.", "status"),
        ("Der Termin wurde storniert.", "status"),
        ("Ich habe Ihre Nachricht weitergeleitet.", "status"),
    ],
)
def test_invented_facts_are_caught(text: str, kind: str) -> None:
    problems = check_grounded(text, OFFER)
    assert any(p.startswith(kind) for p in problems), problems


def test_status_words_need_the_committed_item() -> None:
    assert check_grounded("You're booked! Your appointment is confirmed.", BOOKED) == []
    assert check_grounded("Your appointment is cancelled.", BOOKED) != []
    moved = ReplyPlan(lang="de", items=(PlanItem(kind="rescheduled"),))
    assert check_grounded("Ihr Termin wurde verschoben und ist bestätigt.", moved) == []
    taken = ReplyPlan(lang="en", items=(PlanItem(kind="message_taken"),))
    assert check_grounded("I've taken your message and passed it on.", taken) == []


def test_prices_and_phones_match_across_notations() -> None:
    assert check_grounded("Die Gebühr beträgt 95 Euro. Rufen Sie 030 1234567 an.", FEE) == []
    assert check_grounded("Es kostet 95,00 €.", FEE) == []
    assert check_grounded("Es kostet 96 €.", FEE) != []
    assert check_grounded("Rufen Sie 030 7654321 an.", FEE) != []
    assert check_grounded("plus 4 9, 3 0, 1 2 3 4 5 6 7", FEE) == []


def test_text_quoted_from_the_plan_is_not_a_claim() -> None:
    plan = ReplyPlan(
        lang="en",
        items=(
            PlanItem(
                kind="confirm",
                data={"problem": "my last appointment was cancelled and moved twice"},
            ),
        ),
    )
    text = render_plan(plan).text
    assert "cancelled" in text
    assert check_grounded(text, plan) == []
    assert check_grounded("Your appointment was cancelled.", plan) != []


def test_german_nouns_are_not_names() -> None:
    plan = ReplyPlan(lang="de", items=(PlanItem(kind="anything_else"),))
    text = "Vielen Dank für Ihre Geduld. Kann ich sonst noch etwas für Sie tun?"
    assert check_grounded(text, plan) == []
    assert check_grounded("Frau Keller ruft Sie zurück.", plan) != []


def test_german_am_is_not_a_time() -> None:
    assert check_grounded("Paket 2 am Di., 24.11. um 15:00 Uhr.", OFFER) == []
    assert check_grounded("Paket 2 am nächsten Tag.", OFFER) == []
    assert check_grounded("I can do 2 am on Tuesday.", OFFER) != []


def test_every_problem_is_reported_once() -> None:
    problems = check_grounded("4 pm or 4 pm? 4 pm!", OFFER)
    assert problems == ["time '4 pm' is not in the plan"]


def _invented_time(plan: ReplyPlan) -> str:
    """An afternoon time at :17 that the plan does not support."""
    taken = plan_support(plan).values.get("time", set())
    hour = next(h for h in range(1, 12) if f"{h + 12:02d}:17" not in taken)
    return f"{hour}:17 pm"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLANS, st.sampled_from(["time", "price", "status"]))
def test_a_fact_added_to_any_reply_is_caught(plan: ReplyPlan, kind: str) -> None:
    reply = render_plan(plan).text
    if kind == "time":
        added = f" See you at {_invented_time(plan)}."
    elif kind == "price":
        known = plan_support(plan).values.get("price", set())
        amount = next(n for n in range(1001, 2000) if f"$:{n * 100}" not in known)
        added = f" It costs ${amount}."
    else:
        if plan_support(plan).kinds & {"booked", "rescheduled"}:
            return
        added = " Your appointment is confirmed."
    assert check_grounded(reply + added, plan) != []


@given(st.text(max_size=200))
def test_claim_extraction_never_raises(text: str) -> None:
    for claim in extract_claims(text):
        assert claim.values
