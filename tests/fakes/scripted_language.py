"""A scripted language backend and Hypothesis strategies for what customers "mean".

:class:`ScriptedLanguage` is the language-boundary fake (STYLE.md 14): ``understand()``
hands back the next queued :class:`Understanding` (or calls a queued responder with the
context the desk built), ``render()`` is the real template renderer. With it a property
test drives a real :class:`~engine.desk.Desk` through typed understandings only, with no
model in the way.

:func:`understandings` draws one well-typed Understanding for a business and the
conversation as it stands. Two draws in three are *cooperative* — they answer the
question the desk asked (mostly with a usable value, now and then adding another field,
a correction), say yes or no to a read-back, or open a task — so conversations get deep
enough to book, move and cancel; the rest are *evasive* (on topic, answering nothing) or
*chaotic*: random topics, signals and candidates (past dates, options never offered,
invalid phones, unusable texts). Offered-slot choices are drawn from the slots this conversation has
really been offered (``state.last_offered``, or the found appointments when the desk asked
which appointment), because only the conversation knows them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from hypothesis import strategies as st

from engine.brain import Brain
from engine.state import ConversationState
from language.render import render_plan
from language.types import (
    FieldCandidate,
    Rendered,
    ReplyPlan,
    Signals,
    TopicExamples,
    TopicScore,
    UnderstandContext,
    Understanding,
)

Responder = Callable[[str, UnderstandContext], Understanding]


class ScriptExhausted(AssertionError):
    """The desk asked to understand more messages than the script holds."""


class ScriptedLanguage:
    """A :class:`~language.types.LanguageBackend` that says what the script says."""

    name = "scripted"

    def __init__(self, script: Iterable[Understanding | Responder] = ()) -> None:
        self._queue: deque[Understanding | Responder] = deque(script)
        self.contexts: list[UnderstandContext] = []  # every context the desk passed in

    def push(self, *items: Understanding | Responder) -> None:
        self._queue.extend(items)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def understand(
        self, text: str, topics: tuple[TopicExamples, ...], context: UnderstandContext
    ) -> Understanding:
        self.contexts.append(context)
        if not self._queue:
            raise ScriptExhausted(f"no scripted understanding left for {text!r}")
        item = self._queue.popleft()
        return item if isinstance(item, Understanding) else item(text, context)

    def render(self, plan: ReplyPlan) -> Rendered:
        return render_plan(plan)

    def prepare(self, topics: tuple[TopicExamples, ...], context: UnderstandContext) -> None:
        """Nothing to index: the script already knows what each message means."""


# ---------------------------------------------------------------------- vocabulary

NAMES = ("Dana Whitfield", "Jo", "Maximilian Müller-Lüdenscheid", "Ana", "O'Brien")
PHONES = {  # E.164, per business phone region
    "US": ("+15035550123", "+13125550188", "+15035550199"),
    "DE": ("+4930901820", "+4917612345678", "+498912345678"),
}
EMAILS = ("dana@example.com", "jo@example.org")
TEXTS = (
    "the kitchen sink is blocked",
    "please call me back about my invoice",
    "12 Elm Street, Springfield",
    "I'll be ten minutes late",
    "Hauptstraße 5, Berlin",
    "the pipe under the bathroom sink drips",
)
GARBAGE = (
    ("", "empty"),
    ("   ", "empty"),
    ("🙂🙂🙂", "emoji_only"),
    ("\x00\x01\x02", "binary"),
    ("x" * 2000, "too_long"),
)
CANDIDATE_PROBLEMS = ("past", "no_such_option", "invalid_phone")
TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(7, 21) for m in (0, 30))
TASKS = ("book", "book", "book", "reschedule", "cancel", "message")

_rare = st.sampled_from((False, False, False, False, True))


def phones_of(brain: Brain) -> tuple[str, ...]:
    return PHONES.get(brain.business.phone_region, PHONES["US"])


def open_days(brain: Brain, today: date, days: int = 20) -> list[date]:
    b = brain.business
    return [
        d
        for d in (today + timedelta(n) for n in range(days))
        if not b.is_closed_on(d) and b.hours_of(None, d)
    ]


def _score() -> st.SearchStrategy[float]:
    return st.integers(0, 1000).map(lambda n: n / 1000)


def topic_scores(
    brain: Brain, favour: str | None = None
) -> st.SearchStrategy[tuple[TopicScore, ...]]:
    """Scores over the business's card ids, in random order; ``favour`` scores high."""
    ids = sorted(brain.topics)

    @st.composite
    def scores(draw: st.DrawFn) -> tuple[TopicScore, ...]:
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=4))
        scores = [TopicScore(topic=t, score=draw(_score())) for t in chosen if t != favour]
        if favour is not None:
            high = draw(st.integers(600, 990).map(lambda n: n / 1000))
            scores.append(TopicScore(topic=favour, score=high))
        return tuple(draw(st.permutations(scores)))

    return scores()


def signals() -> st.SearchStrategy[Signals]:
    return st.builds(
        Signals,
        affirm=_rare,
        deny=_rare,
        wants_human=_rare,
        goodbye=_rare,
        greeting=_rare,
        thanks=_rare,
        correction=_rare,
        urgency=st.sampled_from(("none", "none", "none", "none", "urgent", "emergency")),
        hazard=st.sampled_from(("none",) * 7 + ("gas",)),
    )


# ---------------------------------------------------------------------- candidates


def _slot_starts(state: ConversationState, choice: bool) -> list[str]:
    if choice:
        return [a.start.isoformat() for a in state.found]
    return [s.start.isoformat() for s in state.last_offered]


@st.composite
def candidate(
    draw: st.DrawFn,
    brain: Brain,
    state: ConversationState,
    now: datetime,
    ftype: str,
    valid: bool = False,
    choice: bool = False,
) -> FieldCandidate:
    """One candidate of ``ftype``; ``valid`` keeps to values the business can use."""
    b = brain.business
    today = now.date()
    broken = draw(_rare)  # drawn always: a composite must draw on every path
    if not valid and broken:
        problem = draw(st.sampled_from(CANDIDATE_PROBLEMS))
        return FieldCandidate(type=ftype, problem=problem, text="?")  # type: ignore[arg-type]
    if ftype == "service":
        ids = [s.id for s in b.services] + ([] if valid else ["haircut_deluxe"])
        value = draw(st.sampled_from(ids))
    elif ftype == "staff":
        service = state.active.fields.get("service") if state.active else None
        members = [m.id for m in b.staff if valid is False or not service or service in m.services]
        value = draw(st.sampled_from(members + ["any"] + ([] if valid else ["nobody"])))
    elif ftype == "date":
        days = open_days(brain, today) if valid else []
        if days:
            value = draw(st.sampled_from(days)).isoformat()
        else:
            day = today + timedelta(days=draw(st.integers(-5, 20)))
            past = day < today and draw(st.booleans())
            return FieldCandidate(
                type="date",
                value="" if past else day.isoformat(),
                problem="past" if past else "",
                text=day.isoformat(),
            )
    elif ftype == "time":
        value = draw(st.sampled_from(TIMES))
    elif ftype == "offered_slot":
        starts = _slot_starts(state, choice)
        if draw(_rare) and not valid:  # "Monday" when nothing offered is on a Monday
            return FieldCandidate(type="offered_slot", problem="not_offered", text="Monday")
        if not valid:
            starts.append((now + timedelta(days=2, hours=1)).isoformat())  # never offered
        if not starts:
            return FieldCandidate(type="offered_slot", problem="no_such_option", text="3")
        value = draw(st.sampled_from(starts))
    elif ftype == "person_name":
        value = draw(st.sampled_from(NAMES))
    elif ftype == "phone":
        value = draw(st.sampled_from(phones_of(brain)))
    elif ftype == "email":
        value = draw(st.sampled_from(EMAILS))
    else:  # text, address, choice, boolean: the extractors do not emit these
        value = draw(st.sampled_from(TEXTS))
    return FieldCandidate(type=ftype, value=value, text=value)  # type: ignore[arg-type]


CHAOS_TYPES = ("service", "staff", "date", "time", "offered_slot", "person_name", "phone", "email")


# ---------------------------------------------------------------------- understandings


def _text() -> st.SearchStrategy[str]:
    return st.sampled_from(TEXTS + ("yes", "no", "hello", "cancel it"))


@st.composite
def _cooperative(
    draw: st.DrawFn, brain: Brain, state: ConversationState, now: datetime
) -> Understanding:
    lang = draw(st.sampled_from(brain.business.languages))
    active = state.active
    live = active is not None and active.state not in ("done", "escalated", "abandoned")
    fields: list[FieldCandidate] = []
    sig = Signals()
    text = draw(_text())
    if live and active is not None and active.asked:
        card = brain.topics[active.card].card
        spec = card.field(active.asked)
        valid = draw(st.sampled_from((True, True, True, True, False)))
        if spec.type in ("text", "address"):
            text = draw(st.sampled_from(TEXTS))
        else:
            ftype = "offered_slot" if spec.type == "choice" else spec.type
            fields.append(
                draw(candidate(brain, state, now, ftype, valid=valid, choice=spec.type == "choice"))
            )
        if draw(_rare):  # and, by the way, another of the card's fields (a correction?)
            other: str = draw(st.sampled_from([f.type for f in card.required_fields]))
            if other in CHAOS_TYPES:
                fields.append(draw(candidate(brain, state, now, other, valid=True)))
                sig = Signals(correction=draw(st.booleans()))
        favour: str | None = active.card
    elif live and active is not None and active.asked_confirm:
        yes = draw(st.sampled_from((True, True, True, False)))
        sig = Signals(affirm=yes, deny=not yes)
        favour = active.card
    else:
        favour = draw(st.sampled_from(TASKS))
        for kind in draw(
            st.lists(st.sampled_from(("service", "date", "phone")), unique=True, max_size=2)
        ):
            fields.append(draw(candidate(brain, state, now, kind, valid=True)))
    return Understanding(
        text=text,
        lang=lang,
        topics=draw(topic_scores(brain, favour)),
        signals=sig,
        fields=tuple(fields),
        backend="scripted",
    )


@st.composite
def _chaotic(
    draw: st.DrawFn, brain: Brain, state: ConversationState, now: datetime
) -> Understanding:
    lang = draw(st.sampled_from(brain.business.languages))
    if draw(_rare):
        text, problem = draw(st.sampled_from(GARBAGE))
        return Understanding(text=text, lang=lang, problem=problem, backend="scripted")
    types = draw(st.lists(st.sampled_from(CHAOS_TYPES), max_size=3))
    fields = tuple(draw(candidate(brain, state, now, t)) for t in types)
    return Understanding(
        text=draw(_text()),
        lang=lang,
        topics=draw(topic_scores(brain)),
        signals=draw(signals()),
        fields=fields,
        faq=tuple(
            TopicScore(topic=f.id, score=0.6)
            for f in draw(st.lists(st.sampled_from(brain.business.faq), max_size=1))
        ),
        part_of_day=draw(st.sampled_from(("", "", "morning", "afternoon", "evening"))),
        after_time=draw(st.sampled_from(("", "", "", "15:00"))),
        backend="scripted",
    )


@st.composite
def _evasive(
    draw: st.DrawFn, brain: Brain, state: ConversationState, now: datetime
) -> Understanding:
    """Stays on the topic but answers nothing ("hmm, let me think")."""
    active = state.active.card if state.active is not None else None
    return Understanding(
        text="hmm, let me think",
        lang=draw(st.sampled_from(brain.business.languages)),
        topics=draw(topic_scores(brain, active)),
        backend="scripted",
    )


def understandings(
    brain: Brain, state: ConversationState, now: datetime
) -> st.SearchStrategy[Understanding]:
    """One message's meaning, given the conversation so far (mostly cooperative)."""
    modes = {"coop": _cooperative, "evasive": _evasive, "chaos": _chaotic}
    return st.sampled_from(("coop", "coop", "coop", "coop", "evasive", "chaos")).flatmap(
        lambda mode: modes[mode](brain, state, now)
    )


__all__ = [
    "ScriptExhausted",
    "ScriptedLanguage",
    "candidate",
    "open_days",
    "phones_of",
    "signals",
    "topic_scores",
    "understandings",
]
