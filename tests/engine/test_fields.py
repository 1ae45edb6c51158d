"""Accepting what the customer said into a topic's fields (``engine.fields.accept``).

An ambiguous service or staff member is asked about, never picked: "haircut" fits the
women's and the men's haircut of the salon on purpose, so the desk asks which, naming both,
with a button for each, and takes "men's" or the button as the answer. What the topic
already holds may settle it (only one of two people does the service). Through a real
desk (offline language layer, in-memory store), and as a property of ``accept`` itself.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.brain import Brain
from engine.desk import Desk, Reply
from engine.fields import accept
from engine.ports import InboundEvent
from engine.state import ConversationState, TopicState
from language.embedding import HashingEmbedder
from language.offline import OfflineBackend
from language.types import FieldCandidate, Understanding
from machines.loader import bundled_cards
from store.memory import MemoryStore
from tests.fakes.demo import demo_brains

from .invariants import records

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=LA)  # a Tuesday
PHONE = "+15035550123"


@cache
def offline_language() -> OfflineBackend:
    return OfflineBackend(embedder=HashingEmbedder())


@cache
def riveras() -> dict[str, Brain]:
    """The salon with two stylists called Rivera: "with Rivera" could be either."""
    b = demo_brains()["bloom-salon"].business
    staff = tuple(
        m.model_copy(update={"name": f"{m.name} Rivera"}) if m.id in ("alex", "sam") else m
        for m in b.staff
    )
    return {"bloom-salon": Brain.build(b.model_copy(update={"staff": staff}), bundled_cards())}


@cache
def two_webers() -> dict[str, Brain]:
    """The dental practice with a second Dr. Weber, who also does check-ups."""
    b = demo_brains()["praxis-sommer"].business
    weber = b.staff_member("jonas_weber")
    anna = weber.model_copy(
        update={
            "id": "anna_weber",
            "name": "Dr. Anna Weber",
            "aliases": ("Dr. Weber", "Frau Dr. Weber", "Anna"),
        }
    )
    return {
        "praxis-sommer": Brain.build(
            b.model_copy(update={"staff": (*b.staff, anna)}), bundled_cards()
        )
    }


class Chat:
    def __init__(
        self,
        brains: dict[str, Brain] | None = None,
        slug: str = "bloom-salon",
        lang: str | None = None,
    ) -> None:
        self.store = MemoryStore()
        self.desk = Desk(self.store, brains or demo_brains(), offline_language())
        self.slug, self.lang, self.n = slug, lang, 0
        self.reply: Reply | None = None

    async def say(self, text: str) -> Reply:
        self.n += 1
        self.reply = await self.desk.handle(
            InboundEvent(
                business=self.slug,
                channel="webchat",
                sender=PHONE,
                text=text,
                provider_msg_id=f"m{self.n}",
                received_at=NOW,
                lang_hint=self.lang,
            )
        )
        return self.reply

    async def topic(self) -> TopicState:
        """The active topic after the last turn, as its record says."""
        assert self.reply is not None
        last = records(await self.store.turns(self.reply.conversation_id))[-1]
        assert last.decision is not None and last.decision.state.active is not None
        return last.decision.state.active


async def test_a_haircut_is_asked_about_naming_both_with_a_button_each() -> None:
    chat = Chat()
    reply = await chat.say("I'd like to book a haircut")
    assert reply.text == "Would you like the women's haircut or the men's haircut?"
    assert reply.options == ("women's haircut", "men's haircut")
    topic = await chat.topic()
    assert (topic.card, topic.state, topic.asked) == ("book", "service", "service")
    assert "service" not in topic.fields  # nothing picked


async def test_the_telling_word_answers_it() -> None:
    chat = Chat()
    await chat.say("I'd like to book a trim")
    reply = await chat.say("men's")
    topic = await chat.topic()
    assert topic.fields["service"] == "mens_cut"
    assert topic.state == "date" and "day" in reply.text.lower()


async def test_the_button_answers_it() -> None:
    chat = Chat()
    first = await chat.say("can I book a haircut on Thursday?")
    await chat.say(first.options[0])
    topic = await chat.topic()
    assert topic.fields["service"] == "womens_cut"
    assert topic.fields["date"] == "2026-11-26"  # the day said with it was kept


async def test_asked_again_it_is_asked_again_not_guessed() -> None:
    chat = Chat()
    await chat.say("I'd like to book a haircut")
    again = await chat.say("a haircut")
    assert "women's haircut" in again.text and "men's haircut" in again.text
    assert "service" not in (await chat.topic()).fields


async def test_unanswered_the_question_names_them_again() -> None:
    chat = Chat()
    await chat.say("I'd like to book a haircut")
    again = await chat.say("yes")
    assert again.text.endswith("You can choose from: women's haircut, men's haircut.")
    assert again.options == ("women's haircut", "men's haircut")
    await chat.say(again.options[1])
    topic = await chat.topic()
    assert topic.fields == {"service": "mens_cut"}  # and the question is forgotten


async def test_a_clear_service_is_taken_as_before() -> None:
    chat = Chat()
    await chat.say("I'd like to book a men's haircut")
    assert (await chat.topic()).fields["service"] == "mens_cut"


async def test_a_staff_name_two_people_share_is_asked_about() -> None:
    chat = Chat(riveras())
    reply = await chat.say("I'd like to book a men's haircut with Rivera on Thursday")
    # no step of the card waits for the staff member, so the search runs with anyone
    # meanwhile; the question comes last, with a button per person
    assert reply.text.endswith("Do you mean Alex Rivera or Sam Rivera?"), reply.text
    assert reply.options == ("Alex Rivera", "Sam Rivera")
    assert "staff" not in (await chat.topic()).fields
    again = await chat.say("Sam")
    topic = await chat.topic()
    assert topic.fields["staff"] == "sam"
    assert again.text.count("with Sam") == 3, again.text  # searched again, with Sam


async def test_in_german_too() -> None:
    chat = Chat(two_webers(), "praxis-sommer", "de")
    reply = await chat.say("Ich möchte einen Termin für eine Kontrolle bei Dr. Weber buchen")
    assert reply.text.endswith("Meinen Sie Dr. Jonas Weber oder Dr. Anna Weber?"), reply.text
    assert reply.options == ("Dr. Jonas Weber", "Dr. Anna Weber")
    await chat.say("Dr. Anna Weber")
    assert (await chat.topic()).fields["staff"] == "anna_weber"


async def test_only_one_of_them_doing_the_service_settles_it() -> None:
    chat = Chat(riveras())
    reply = await chat.say("I'd like to book a blowout with Rivera")  # only Sam does them
    assert "Alex" not in reply.text
    assert (await chat.topic()).fields["staff"] == "sam"


# ---------------------------------------------------------------------- accept itself

SERVICES = [s.id for s in demo_brains()["bloom-salon"].business.services]
STAFF = [m.id for m in demo_brains()["bloom-salon"].business.staff]


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.sampled_from(SERVICES), min_size=2, max_size=4, unique=True),
    staff=st.sampled_from(["", "any", *STAFF]),
    asked=st.booleans(),
)
def test_an_ambiguous_service_is_never_picked_unless_the_topic_settles_it(
    ids: list[str], staff: str, asked: bool
) -> None:
    brain = demo_brains()["bloom-salon"]
    b, card = brain.business, brain.topics["book"].card
    fields = {"staff": staff} if staff else {}
    topic = TopicState(
        card="book", state="service", fields=fields, asked="service" if asked else ""
    )
    und = Understanding(
        text="x",
        lang="en",
        fields=tuple(
            FieldCandidate(
                type="service", value=i, problem="ambiguous", span=(0, 1), text="x", confidence=0.7
            )
            for i in ids
        ),
    )
    out = accept(card, topic, und, b, ConversationState(active=topic), NOW, fresh=False)
    fit = [i for i in ids if staff in ("", "any") or i in b.staff_member(staff).services]
    if len(fit) == 1:
        assert out.fields["service"] == fit[0] and not out.invalid
    else:
        assert "service" not in out.fields
        assert out.invalid == {"service": "ambiguous"}
        assert out.options["service"] == tuple(fit or ids)
