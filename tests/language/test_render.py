"""The template renderer: every plan kind in English and German, and its properties."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from language import FIELD_TYPES, PlanItem, ReplyPlan, Slot, check_grounded, render_plan
from language.claims import extract_claims
from language.render import INVALID_PROBLEMS, RENDERERS
from language.templates import TABLES, format_slot
from language.types import PLAN_KINDS, Lang, plan_kind
from tests.fakes.plans import BERLIN, CHICAGO, LANGS, PLANS

SOMMER = Slot(
    start=datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN),
    end=datetime(2026, 11, 24, 16, 0, tzinfo=BERLIN),
    staff="sommer",
    staff_name="Dr. Lena Sommer",
    service="cleaning",
)
WEBER = Slot(
    start=datetime(2026, 11, 25, 9, 30, tzinfo=BERLIN),
    end=datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN),
    staff="weber",
    staff_name="Dr. Jonas Weber",
    service="checkup",
)
WHEN = {
    "service": "professional cleaning",
    "staff": "Dr. Lena Sommer",
    "when": "2026-11-24T15:00:00+01:00",
}


def say(lang: Lang, *items: PlanItem, business: str = "") -> str:
    return render_plan(ReplyPlan(lang=lang, items=items, business_name=business)).text


# ---------------------------------------------------------------- the tables


def test_both_languages_have_the_same_templates() -> None:
    assert set(TABLES["en"]) == set(TABLES["de"])


def test_templates_state_no_facts_of_their_own() -> None:
    committed = {
        "booked",
        "booked.bare",
        "rescheduled",
        "rescheduled.bare",
        "cancelled",
        "cancelled.bare",
        "already_cancelled",
        "already_cancelled.bare",
        "message_taken",
    }
    for lang, table in TABLES.items():
        for key, template in table.items():
            bare = re.sub(r"\{\w+\}", " ", template)
            assert not re.search(r"\d", bare), (lang, key)
            assert not re.search(r"[*#`_\[\]]", bare), (lang, key)  # no markdown
            claims = [c for c in extract_claims(bare) if key not in committed or c.kind != "status"]
            assert claims == [], (lang, key, claims)


@pytest.mark.parametrize("key", sorted(TABLES["de"]))
def test_german_is_formal(key: str) -> None:
    assert not re.search(r"\b(du|dich|dir|dein\w*)\b", TABLES["de"][key], re.IGNORECASE)


# ---------------------------------------------------------------- slots and dates


def test_slots_show_weekday_date_time_and_staff() -> None:
    assert format_slot(SOMMER, "en") == "Tue 24 Nov at 3:00 pm with Dr. Lena Sommer"
    assert format_slot(SOMMER, "de") == "Di., 24.11. um 15:00 Uhr bei Dr. Lena Sommer"
    assert format_slot(WEBER, "en") == "Wed 25 Nov at 9:30 am with Dr. Jonas Weber"


def test_slots_are_shown_in_their_own_timezone() -> None:
    chicago = SOMMER.model_copy(update={"start": datetime(2026, 3, 8, 7, 0, tzinfo=CHICAGO)})
    assert format_slot(chicago, "en").startswith("Sun 8 Mar at 7:00 am")


def test_several_slots_are_numbered() -> None:
    en = say("en", PlanItem(kind="offer_slots", slots=(SOMMER, WEBER)))
    assert en == (
        "I have these times: 1) Tue 24 Nov at 3:00 pm with Dr. Lena Sommer, "
        "2) Wed 25 Nov at 9:30 am with Dr. Jonas Weber. Which one suits you?"
    )
    de = say("de", PlanItem(kind="offer_slots", slots=(SOMMER, WEBER)))
    assert "1) Di., 24.11. um 15:00 Uhr bei Dr. Lena Sommer, 2) Mi., 25.11. um 09:30 Uhr" in de


def test_one_slot_is_offered_without_a_number() -> None:
    assert say("en", PlanItem(kind="offer_slots", slots=(SOMMER,))) == (
        "The next free time is Tue 24 Nov at 3:00 pm with Dr. Lena Sommer. Does that suit you?"
    )


def test_offer_without_slots_says_there_are_none() -> None:
    assert say("en", PlanItem(kind="offer_slots")) == say("en", PlanItem(kind="no_slots"))


def test_offer_explains_why_it_offers_another_day() -> None:
    text = say(
        "en",
        PlanItem(
            kind="offer_slots", slots=(WEBER,), data={"note": "other_day", "date": "2026-11-24"}
        ),
    )
    assert text.startswith("There's nothing free on Tue 24 Nov. The next free time is Wed 25 Nov")


# ---------------------------------------------------------------- ask and invalid


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_every_field_type_has_a_question_and_a_reask(lang: Lang, field_type: str) -> None:
    first = say(lang, PlanItem(kind="ask", data={"type": field_type}))
    again = say(lang, PlanItem(kind="ask", data={"type": field_type, "retry": "1"}))
    assert first.endswith("?") and again
    assert first != again


def test_ask_uses_the_card_prompt() -> None:
    item = PlanItem(kind="ask", data={"type": "date", "prompt": "Which day works for you?"})
    assert say("en", item) == "Which day works for you?"
    retry = item.model_copy(update={"data": {**item.data, "retry": "1"}})
    assert say("en", retry) == "Sorry, I didn't quite catch that. Which day works for you?"


def test_ask_lists_options_and_choices() -> None:
    text = say("en", PlanItem(kind="ask", data={"type": "choice", "options": "red, green"}))
    assert text == "Which option would you like? You can choose from: red, green."
    found = say("en", PlanItem(kind="ask", data={"type": "choice"}, slots=(SOMMER, WEBER)))
    assert "1) Tue 24 Nov at 3:00 pm" in found and "2) Wed 25 Nov" in found


def test_an_offer_is_not_followed_by_a_second_question() -> None:
    text = say(
        "en",
        PlanItem(kind="offer_slots", slots=(SOMMER, WEBER)),
        PlanItem(kind="ask", data={"type": "offered_slot"}, slots=(SOMMER, WEBER)),
    )
    assert text.count("?") == 1


def test_unknown_field_type_gets_a_generic_question() -> None:
    assert (
        say("en", PlanItem(kind="ask", data={"type": "options"}))
        == "Could you tell me a little more?"
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("problem", INVALID_PROBLEMS)
def test_every_problem_has_its_own_wording(lang: Lang, problem: str) -> None:
    text = say(lang, PlanItem(kind="invalid", data={"problem": problem}))
    assert text and text != say(lang, PlanItem(kind="invalid", data={"problem": "zzz"}))


def test_unknown_service_lists_the_services() -> None:
    item = PlanItem(
        kind="invalid",
        data={"problem": "unknown_service", "options": "women's haircut, men's haircut,blowout"},
    )
    assert say("en", item) == (
        "Sorry, we don't offer that. We offer: women's haircut, men's haircut, blowout."
    )
    assert say("de", item).startswith("Das bieten wir leider nicht an. Wir bieten an: women's")


@pytest.mark.parametrize(
    ("lang", "kind", "options", "expected"),
    [
        (
            "en",
            "service",
            "women's haircut, men's haircut",
            "Would you like the women's haircut or the men's haircut?",
        ),
        (
            "en",
            "staff",
            "Alex Rivera, Sam Rivera, Jo Rivera",
            "Do you mean Alex Rivera, Sam Rivera or Jo Rivera?",
        ),
        (
            "de",
            "service",
            "Wurzelbehandlung, Notfallbehandlung",
            "Meinen Sie Wurzelbehandlung oder Notfallbehandlung?",
        ),
    ],
)
def test_an_ambiguous_mention_asks_which_naming_each(
    lang: Lang, kind: str, options: str, expected: str
) -> None:
    which = PlanItem(
        kind="invalid",
        data={"problem": "ambiguous", "type": kind, "field": kind, "options": options},
    )
    ask = PlanItem(kind="ask", data={"type": kind, "field": kind, "prompt": "Which one?"})
    plan = ReplyPlan(lang=lang, items=(which, ask))
    assert render_plan(plan).text == expected  # the question is the ask: said once
    assert check_grounded(expected, plan) == []


def test_the_slot_named_and_free_is_said_once() -> None:
    free = PlanItem(kind="slot_free", slots=(WEBER,))
    assert say("en", free) == "Wed 25 Nov at 9:30 am with Dr. Jonas Weber is free."
    assert say("de", free).endswith("bei Dr. Jonas Weber ist frei.")
    confirm = PlanItem(
        kind="confirm", slots=(WEBER,), data={"service": "check-up", "topic": "book"}
    )
    both = say("en", free, confirm)
    assert both.count("9:30") == 1 and both.startswith("Let me check")


def test_closed_names_the_day() -> None:
    item = PlanItem(kind="invalid", data={"problem": "closed", "date": "2026-11-29"})
    assert say("en", item) == "Sorry, we're closed on Sun 29 Nov."
    assert say("de", item) == "Am So., 29.11. haben wir leider geschlossen."


# ---------------------------------------------------------------- confirm and outcomes


def test_confirm_reads_back_the_booking() -> None:
    item = PlanItem(
        kind="confirm",
        data={**WHEN, "name": "Anna Schmidt", "phone": "+49 30 1234567", "action": "book"},
    )
    assert say("en", item) == (
        "Let me check I have that right: professional cleaning on Tue 24 Nov at 3:00 pm with "
        "Dr. Lena Sommer. Name: Anna Schmidt; phone: +49 30 1234567. Shall I book that for you?"
    )
    assert say("de", item) == (
        "Ich fasse kurz zusammen: professional cleaning am Di., 24.11. um 15:00 Uhr bei "
        "Dr. Lena Sommer. Name: Anna Schmidt; Telefon: +49 30 1234567. "
        "Soll ich das so für Sie buchen?"
    )


def test_confirm_on_voice_spells_phone_and_email() -> None:
    e164 = say("en", PlanItem(kind="confirm", data={"phone": "+15035550140", "voice": "1"}))
    assert "phone: plus 1, 5 0 3, 5 5 5, 0 1 4 0." in e164
    item = PlanItem(
        kind="confirm",
        data={"phone": "+1 503 555 0140", "email": "jo.ann-b@mail.com", "voice": "1"},
    )
    text = say("en", item)
    assert "phone: plus 1, 5 0 3, 5 5 5, 0 1 4 0" in text
    assert "email: j o dot a n n dash b at m a i l dot c o m" in text
    assert "Punkt" in say("de", item)


def test_confirm_takes_the_time_from_the_chosen_slot() -> None:
    item = PlanItem(
        kind="confirm",
        slots=(SOMMER,),
        data={"service": "cleaning", "staff": "Dr. Lena Sommer", "topic": "book"},
    )
    assert say("en", item).startswith(
        "Let me check I have that right: cleaning on Tue 24 Nov at 3:00 pm with Dr. Lena Sommer."
    )
    assert "topic" not in say("en", item)


def test_confirm_of_a_reschedule_names_old_and_new() -> None:
    item = PlanItem(
        kind="confirm",
        slots=(WEBER,),
        data={
            "staff": "Dr. Jonas Weber",
            "topic": "reschedule",
            "appointment_service": "filling",
            "appointment_staff": "Dr. Lena Sommer",
            "appointment_when": SOMMER.start.isoformat(),
        },
    )
    assert say("en", item) == (
        "Let me check I have that right: your appointment (filling on Tue 24 Nov at 3:00 pm "
        "with Dr. Lena Sommer) would change to Wed 25 Nov at 9:30 am with Dr. Jonas Weber. "
        "Shall I move it to the new time?"
    )


def test_confirm_of_a_cancellation_names_the_appointment() -> None:
    item = PlanItem(
        kind="confirm",
        data={
            "topic": "cancel",
            "appointment_service": "filling",
            "appointment_staff": "Dr. Lena Sommer",
            "appointment_when": SOMMER.start.isoformat(),
        },
    )
    assert say("de", item) == (
        "Zur Sicherheit, es geht um diesen Termin: filling am Di., 24.11. um 15:00 Uhr bei "
        "Dr. Lena Sommer. Soll ich den Termin absagen?"
    )


def test_confirm_mentions_the_fee() -> None:
    text = say("en", PlanItem(kind="confirm", data={**WHEN, "fee": "$25", "action": "cancel"}))
    assert "late-change fee of $25." in text and text.endswith("Shall I cancel it?")


@pytest.mark.parametrize(
    ("kind", "en", "de"),
    [
        (
            "booked",
            "You're booked: professional cleaning on Tue 24 Nov at 3:00 pm with Dr. Lena "
            "Sommer. See you then!",
            "Ihr Termin ist gebucht: professional cleaning am Di., 24.11. um 15:00 Uhr bei Dr. Lena "
            "Sommer. Wir freuen uns auf Sie!",
        ),
        (
            "rescheduled",
            "Done: I've moved your appointment to Tue 24 Nov at 3:00 pm with Dr. "
            "Lena Sommer (professional cleaning).",
            "Erledigt: Ihr Termin wurde auf Di., 24.11. um 15:00 Uhr bei Dr. Lena Sommer "
            "(professional cleaning) verschoben.",
        ),
        (
            "cancelled",
            "Your appointment (professional cleaning on Tue 24 Nov at 3:00 pm with "
            "Dr. Lena Sommer) has been cancelled.",
            "Ihr Termin (professional cleaning am Di., 24.11. um 15:00 Uhr bei Dr. Lena Sommer) "
            "wurde storniert.",
        ),
    ],
)
def test_committed_outcomes_state_the_appointment(kind: str, en: str, de: str) -> None:
    assert say("en", PlanItem(kind=kind, data=WHEN)) == en
    assert say("de", PlanItem(kind=kind, data=WHEN)) == de
    assert (
        say(
            "en",
            PlanItem(
                kind=kind, data={k: v for k, v in WHEN.items() if k != "when"}, slots=(SOMMER,)
            ),
        )
        == en
    )


def test_a_found_appointment_is_not_read_twice() -> None:
    found = PlanItem(kind="appointment", slots=(SOMMER,), data={"service": "filling"})
    confirm = PlanItem(
        kind="confirm",
        data={
            "topic": "cancel",
            "appointment_service": "filling",
            "appointment_staff": "Dr. Lena Sommer",
            "appointment_when": SOMMER.start.isoformat(),
        },
    )
    assert say("en", found, confirm) == (
        "I found your appointment: filling on Tue 24 Nov at 3:00 pm with Dr. Lena Sommer. "
        "Shall I cancel it?"
    )


def test_several_found_appointments_are_listed() -> None:
    text = say("en", PlanItem(kind="appointment", slots=(SOMMER, WEBER), data={"count": "2"}))
    assert text.startswith("I found these appointments: 1) Tue 24 Nov at 3:00 pm")


# ---------------------------------------------------------------- the other kinds


def test_hours_group_days_with_the_same_hours() -> None:
    data = {d: "08:00-12:30,13:30-18:00" for d in ("mon", "tue", "wed", "thu")}
    data |= {"fri": "08:00-14:00", "sat": "closed", "sun": "closed"}
    assert say("en", PlanItem(kind="hours", data=data)) == (
        "Our opening hours: Mon–Thu: 8:00 am to 12:30 pm and 1:30 pm to 6:00 pm; "
        "Fri: 8:00 am to 2:00 pm; Sat–Sun: closed."
    )
    assert say("de", PlanItem(kind="hours", data=data)) == (
        "Unsere Öffnungszeiten: Mo.–Do.: 08:00 bis 12:30 Uhr und 13:30 bis 18:00 Uhr; "
        "Fr.: 08:00 bis 14:00 Uhr; Sa.–So.: geschlossen."
    )


def test_hours_in_the_engine_shape() -> None:
    week = "; ".join(
        f"{day}: {hours}"
        for day, hours in (
            ("Monday", "closed"),
            ("Tuesday", "09:00–19:00"),
            ("Wednesday", "09:00–19:00"),
            ("Thursday", "09:00–19:00"),
            ("Friday", "09:00–19:00"),
            ("Saturday", "09:00–17:00"),
            ("Sunday", "closed"),
        )
    )
    data = {"open_now": "no", "today": "", "next_open": "2026-11-17T09:00:00-08:00", "week": week}
    assert say("en", PlanItem(kind="hours", data=data)) == (
        "We're closed right now. We open again on Tue 17 Nov at 9:00 am. Our opening hours: "
        "Monday: closed; Tuesday–Friday: 9:00 am to 7:00 pm; Saturday: 9:00 am to 5:00 pm; "
        "Sunday: closed."
    )
    today = say("de", PlanItem(kind="hours", data={"open_now": "yes", "today": "08:00–12:30"}))
    assert today == "Wir haben gerade geöffnet. Heute: 08:00 bis 12:30 Uhr."
    odd = say("en", PlanItem(kind="hours", data={"week": "weekdays only"}))
    assert odd == "Our opening hours: weekdays only."


def test_answer_then_resume_then_ask_is_one_reply() -> None:
    text = say(
        "en",
        PlanItem(kind="answer", data={"text": "You can park in the courtyard."}),
        PlanItem(kind="resume", data={"topic": "book"}),
        PlanItem(kind="ask", data={"type": "date"}),
    )
    assert text == (
        "You can park in the courtyard. Now, back to your booking. Which day would suit you?"
    )


def test_a_question_after_a_digression_is_not_a_reask() -> None:
    text = say(
        "en",
        PlanItem(kind="answer", data={"text": "Yes, in the courtyard."}),
        PlanItem(kind="resume", data={"topic": "book"}),
        PlanItem(kind="ask", data={"type": "date", "retry": "1"}),
    )
    assert text.endswith("Now, back to your booking. Which day would suit you?")


def test_resume_with_a_card_title() -> None:
    text = say("de", PlanItem(kind="resume", data={"topic": "Termin vereinbaren"}))
    assert text == "Nun zurück zu Ihrem Anliegen: Termin vereinbaren."


def test_transfer_on_voice_and_in_chat() -> None:
    data = {"department": "the front desk", "phone": "+1 503 555 0140"}
    assert say("en", PlanItem(kind="transfer", data=data)) == (
        "You can reach the front desk on +1 503 555 0140."
    )
    voice = say("en", PlanItem(kind="transfer", data={**data, "voice": "1"}))
    assert voice.startswith("I'm putting you through to the front desk now.")
    urgent = say("en", PlanItem(kind="transfer", data={**data, "emergency": "1"}))
    assert urgent.startswith("This sounds urgent.")


def test_transfer_names_the_department_and_groups_the_number() -> None:
    data = {"department": "on-call technician", "phone": "+13125550199"}
    assert say("en", PlanItem(kind="transfer", data=data)) == (
        "You can reach our on-call technician on +1 312-555-0199."
    )
    assert say(
        "de", PlanItem(kind="transfer", data={"department": "Rezeption", "phone": "+49301234567"})
    ) == ("Bitte rufen Sie +49 30 1234567 an (Rezeption).")


def test_answers_end_with_a_full_stop() -> None:
    assert say("en", PlanItem(kind="answer", data={"text": "drain cleaning: 90 min, $149"})) == (
        "drain cleaning: 90 min, $149."
    )


def test_greeting_names_business_and_customer() -> None:
    assert say("en", PlanItem(kind="greet"), business="Bloom Hair Studio") == (
        "Hello, you've reached Bloom Hair Studio. How can I help you today?"
    )
    assert say("de", PlanItem(kind="greet", data={"business": "Praxis Dr. Sommer"})) == (
        "Guten Tag, hier ist Praxis Dr. Sommer. Wie kann ich Ihnen helfen?"
    )


def test_safety_uses_the_business_instructions_first() -> None:
    assert say("en", PlanItem(kind="safety", data={"instructions": "Leave now"})) == "Leave now."
    assert say("en", PlanItem(kind="safety", data={"hazard": "gas"})).startswith(
        "Please leave the building now."
    )


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_plan_is_worded_as_fallback(lang: Lang) -> None:
    assert say(lang) == say(lang, PlanItem(kind="fallback"))


def test_options_are_passed_through() -> None:
    plan = ReplyPlan(lang="en", items=(PlanItem(kind="anything_else"),), options=("Yes", "No"))
    assert render_plan(plan).options == ("Yes", "No")


def test_the_plan_kinds_are_closed_and_each_has_one_wording() -> None:
    assert set(RENDERERS) == set(PLAN_KINDS) and len(PLAN_KINDS) == len(set(PLAN_KINDS))
    assert plan_kind("booked") == "booked"
    with pytest.raises(ValueError, match="not a reply plan kind"):
        plan_kind("smalltalk")  # a card's say key the engine words as greet or goodbye
    with pytest.raises(ValidationError):
        PlanItem(kind="made_up")  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", PLAN_KINDS)
def test_every_kind_renders_without_data(lang: Lang, kind: str) -> None:
    plan = ReplyPlan(lang=lang, items=(PlanItem(kind=kind),))
    text = render_plan(plan).text
    assert text.strip() and "{" not in text and "}" not in text
    assert check_grounded(text, plan) == []


# ---------------------------------------------------------------- properties


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PLANS)
def test_any_plan_renders_grounded_text(plan: ReplyPlan) -> None:
    rendered = render_plan(plan)
    assert rendered.text.strip()
    assert rendered.options == plan.options
    assert check_grounded(rendered.text, plan) == []
