"""Entering a topic is a decision with evidence (``rules.policies`` conversation rules,
``engine.decide`` topic facts), checked for all inputs.

Hypothesis draws what the language layer could report — scores over a demo business's
topics, cue words, signals, values, short or long texts — and where the conversation
stands (no topic, a finished one, one waiting for an answer, topics offered by the last
reply), and ``decide`` must hold:

* a topic that books, moves or cancels is entered only on clear evidence: its cue in the
  message, a score of at least ``commit_min_score`` leading the runner-up by
  ``commit_lead``, or the customer's pick among the topics the desk offered;
* a bare yes, ok, thanks or no with nothing open enters no topic at all;
* when the desk asks which topic the customer means, the next turn knows what it offered.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.decide import decide
from engine.state import ConversationState, Snapshot, TopicState
from language.types import FieldCandidate, Signals, TopicScore, Understanding
from tests.fakes.demo import demo_brains

BRAINS = demo_brains()
WORDS = (
    "yes",
    "ok",
    "please",
    "thanks",
    "no",
    "book",
    "friday",
    "my",
    "appointment",
    "the",
    "rain",
    "ja",
    "bitte",
    "gerne",
    "absagen",
    "Termin",
)


@st.composite
def situations(draw: st.DrawFn) -> tuple[str, ConversationState, Understanding]:
    slug = draw(st.sampled_from(sorted(BRAINS)))
    brain = BRAINS[slug]
    ids = sorted(brain.topics)
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=4))
    raw = [draw(st.integers(1, 100)) for _ in chosen]
    total = sum(raw) + draw(st.integers(0, 100))
    scores = sorted(
        (TopicScore(topic=t, score=round(r / total, 4)) for t, r in zip(chosen, raw, strict=True)),
        key=lambda s: -s.score,
    )
    flag = st.booleans()
    signals = Signals(
        affirm=draw(flag),
        deny=draw(flag),
        thanks=draw(flag),
        greeting=draw(flag),
        goodbye=draw(st.sampled_from((False,) * 5 + (True,))),
    )
    fields = tuple(
        draw(
            st.lists(
                st.sampled_from(
                    (
                        FieldCandidate(type="date", value="2026-11-27", text="friday"),
                        FieldCandidate(type="time", value="15:00", text="3 pm"),
                    )
                ),
                max_size=2,
                unique=True,
            )
        )
    )
    text = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9)))
    und = Understanding(
        text=text,
        lang=brain.business.languages[0],
        topics=tuple(scores),
        cues=tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))),
        signals=signals,
        fields=fields,
    )
    where = draw(st.sampled_from(("none", "finished", "open")))
    active = None
    if where != "none":
        card = draw(st.sampled_from(ids))
        steps = brain.topics[card].card.steps
        active = TopicState(
            card=card,
            state="done" if where == "finished" else steps[0].id,
            asked=steps[0].field or "" if where == "open" else "",
        )
    offered = tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=2)))
    return slug, ConversationState(active=active, offered_topics=offered), und


def _decide(slug: str, state: ConversationState, und: Understanding):
    brain = BRAINS[slug]
    now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(brain.business.timezone))
    snap = Snapshot(business=slug, conversation_id="c", channel="webchat", state=state)
    return brain, decide(brain, snap, und, now)


def _bare(und: Understanding) -> bool:
    s = und.signals
    return (
        (s.affirm or s.deny or s.thanks)
        and not (s.affirm and s.deny)
        and not und.fields
        and not und.cues
        and not s.goodbye
        and len(und.text.split()) <= 5
    )


@settings(max_examples=400, deadline=None)
@given(situations())
def test_a_committing_topic_is_entered_only_on_clear_evidence(
    situation: tuple[str, ConversationState, Understanding],
) -> None:
    slug, state, und = situation
    brain, decision = _decide(slug, state, und)
    policy = brain.settings
    scores = {s.topic: s.score for s in und.topics}
    for switch in decision.switches:
        target = switch.target
        if not brain.topics[target].commits or switch.kind == "resume":
            continue
        runner = max((v for k, v in scores.items() if k != target), default=0.0)
        clear = target in und.cues or (
            scores.get(target, 0.0) >= policy.commit_min_score
            and scores.get(target, 0.0) - runner >= policy.commit_lead
        )
        picked = target in state.offered_topics
        assert clear or picked, (target, und, state)


@settings(max_examples=400, deadline=None)
@given(situations())
def test_a_bare_answer_with_nothing_open_enters_no_topic(
    situation: tuple[str, ConversationState, Understanding],
) -> None:
    slug, state, und = situation
    if (
        not _bare(und)
        or state.offered_topics
        or (state.active is not None and not state.active.finished)
    ):
        return
    _, decision = _decide(slug, state, und)
    assert decision.switches == (), (und, decision.switches)


@settings(max_examples=300, deadline=None)
@given(situations())
def test_the_topics_a_reply_offers_are_remembered_for_the_next_turn(
    situation: tuple[str, ConversationState, Understanding],
) -> None:
    slug, state, und = situation
    _, decision = _decide(slug, state, und)
    asked = [i for i in decision.plan.items if i.kind == "clarify_topic"]
    if asked:
        assert decision.state.offered_topics == tuple(asked[-1].data["topics"].split())
        assert decision.plan.options  # buttons to answer with
    else:
        assert decision.state.offered_topics == ()


def test_examples_of_each_rule() -> None:
    """One concrete turn per rule, read as the customer would meet them."""
    bloom = "bloom-salon"
    unclear = Understanding(
        text="can I come friday at 3",
        lang="en",
        topics=(TopicScore(topic="book", score=0.45), TopicScore(topic="reschedule", score=0.35)),
        fields=(FieldCandidate(type="date", value="2026-11-27", text="friday"),),
    )
    _, asked = _decide(bloom, ConversationState(), unclear)
    assert [i.kind for i in asked.plan.items] == ["clarify_topic"]
    assert asked.state.active is None and asked.state.offered_topics == ("book", "reschedule")
    assert asked.plan.options == ("Book an appointment", "Reschedule an appointment")
    # pressing a button enters that topic, with the day the first message named
    pressed = Understanding(
        text="Book an appointment", lang="en", topics=(TopicScore(topic="book", score=0.9),)
    )
    _, entered = _decide(bloom, asked.state, pressed)
    assert entered.state.active is not None and entered.state.active.card == "book"
    assert entered.state.active.fields.get("date") == "2026-11-27"
    # or answering with a word of one offered topic only ("move" is the reschedule's)
    worded = Understanding(text="move it", lang="en", topics=(TopicScore(topic="faq", score=0.6),))
    _, moved = _decide(bloom, asked.state, worded)
    assert moved.state.active is not None and moved.state.active.card == "reschedule"
    # a yes with nothing open: "What can I help you with?"
    yes = Understanding(
        text="ja, bitte",
        lang="en",
        signals=Signals(affirm=True),
        topics=(TopicScore(topic="cancel", score=0.6),),
    )
    done = ConversationState(active=TopicState(card="book", state="done"))
    _, acknowledged = _decide(bloom, done, yes)
    assert [i.kind for i in acknowledged.plan.items] == ["how_can_i_help"]
    assert acknowledged.switches == ()
    # "no thanks" after a finished task: goodbye
    no = Understanding(text="no thanks", lang="en", signals=Signals(deny=True, thanks=True))
    _, bye = _decide(bloom, done, no)
    assert [i.kind for i in bye.plan.items] == ["goodbye"] and bye.state.ended
    # a cue is clear evidence on its own
    cued = unclear.model_copy(update={"text": "can I book friday at 3", "cues": ("book",)})
    _, booked = _decide(bloom, ConversationState(), cued)
    assert booked.state.active is not None and booked.state.active.card == "book"
    # ... unless "none of these" reads higher: the cued topic is offered, not entered
    elsewhere = Understanding(
        text="book please",
        lang="en",
        cues=("book",),
        topics=(TopicScore(topic="out_of_scope", score=0.77), TopicScore(topic="book", score=0.2)),
    )
    _, offered = _decide(bloom, ConversationState(), elsewhere)
    assert [i.kind for i in offered.plan.items] == ["clarify_topic"]
    assert offered.state.active is None and offered.state.offered_topics == ("book",)
    assert offered.plan.options == ("Yes", "No")
    # and a yes to that question enters it
    yes_please = Understanding(text="yes", lang="en", signals=Signals(affirm=True))
    _, entered = _decide(bloom, offered.state, yes_please)
    assert entered.state.active is not None and entered.state.active.card == "book"
    # so does one of the business's services named: "none of these" does not outweigh it
    service = FieldCandidate(type="service", value="womens_cut", text="haircut")
    named = Understanding(
        text="new in town, need a haircut",
        lang="en",
        fields=(service,),
        topics=(TopicScore(topic="out_of_scope", score=0.8), TopicScore(topic="book", score=0.15)),
    )
    _, asked_again = _decide(bloom, ConversationState(), named)
    assert [i.kind for i in asked_again.plan.items] == ["clarify_topic"]
    assert asked_again.state.offered_topics == ("book",)
    assert asked_again.state.offered_fields == (service,)  # a yes books with it
