"""The shell around ``decide``: one inbound event in, one reply out, everything recorded.

``Desk.handle`` is the single inbound path for every channel. It records the raw event
first (nothing is ever lost), answers a duplicate delivery with the recorded reply, and
runs the turn inside one transaction holding the conversation's lock: understand → decide
→ run planned actions → decide again … → render → check grounding → commit the audit
record, the conversation state and the outbox together. A failure rolls the turn back,
records what happened, escalates, and gives the customer a plain apology — never a
traceback.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from language.grounding import check_grounded
from language.render import render_plan
from language.types import (
    LanguageBackend,
    Rendered,
    ReplyPlan,
    Understanding,
)
from rules.errors import FrontdeskError

from .actions import ActionContext, run_action
from .audit import TurnRecord, record_hash
from .brain import Brain, understand_context
from .decide import decide
from .locks import KeyedLock
from .ports import (
    ConversationRow,
    EscalationRow,
    InboundEvent,
    OutboxRow,
    Store,
    StoredTurn,
    Tx,
)
from .state import ActionResult, ConversationState, Snapshot

log = logging.getLogger("frontdesk.desk")
T = TypeVar("T")

MAX_ACTIONS_PER_TURN = 8
APOLOGY = {
    "en": "Sorry, something went wrong on our side. A member of our team will get back to you.",
    "de": "Entschuldigung, bei uns ist etwas schiefgelaufen. Jemand aus unserem Team meldet "
    "sich bei Ihnen.",
}


class UnknownBusiness(FrontdeskError, LookupError):
    """No business of the desk has the event's slug."""


@dataclass(frozen=True)
class Reply:
    text: str
    conversation_id: str
    options: tuple[str, ...] = ()
    end: bool = False
    duplicate: bool = False
    # for metrics: the actions run (name, ok) and the confidence of each topic switch
    actions: tuple[tuple[str, bool], ...] = ()
    switches: tuple[float, ...] = ()
    problem: str = ""  # why a turn had no decision: "rate_limited", "internal_error"


Probe = Callable[[str], Awaitable[None] | None]
"""Called at each point of a turn (recorded, understood, acted, before_commit, committed):
the crash tests kill a worker there, the ordering tests hold a turn there."""


def _no_probe(point: str) -> None:
    return None


def _nobody() -> None:
    return None


def _anyone(business: str) -> bool:
    return True


class Desk:
    def __init__(
        self,
        store: Store,
        brains: Mapping[str, Brain],
        language: LanguageBackend,
        probe: Probe | None = None,
        understand_in: Executor | None = None,
        languages: Mapping[str, LanguageBackend] | None = None,
    ) -> None:
        """``understand_in``: a thread pool to run understanding (and wording) on, off the
        event loop, so that a server's concurrent turns overlap (the embedding model
        releases the GIL and merges the texts of concurrent callers into one forward pass;
        a model call waits on the network); ``None`` runs it inline. ``languages``: the
        backend of each business that does not use ``language`` (one with an LLM)."""
        self.store = store
        self.brains = dict(brains)
        self.language = language
        self.languages = dict(languages or {})
        self.probe: Probe = probe or _no_probe
        # called after a transaction that wrote outbox rows has committed: a server's
        # drainer sends them at once instead of at its next poll
        self.outbox_ready: Callable[[], None] = _nobody
        self.understand_in = understand_in
        # whether a business can send SMS (one-time codes, change notices); the wiring
        # says which can, from their channels' accounts
        self.can_text: Callable[[str], bool] = _anyone
        self._lines: KeyedLock[str] = KeyedLock()  # a FIFO per conversation

    async def handle(self, event: InboundEvent, direct: bool = False) -> Reply:
        """Run one turn. ``direct``: the caller delivers the reply itself (the terminal, a
        TwiML response), so no reply row goes to the outbox.

        One conversation's messages are handled one at a time in the order they reached
        this desk (a FIFO per conversation, taken before the first ``await``): two messages
        arriving at once are answered in order, the second seeing the state the first
        left. Across processes the database lock serialises the turns."""
        brain = self.brains.get(event.business)
        if brain is None:
            raise UnknownBusiness(event.business)
        key = f"{event.channel}:{event.sender}"
        async with self._lines.hold(f"{event.business}/{key}"):
            return await self._handle(brain, event, key, direct)

    @asynccontextmanager
    async def _transaction(self, business: str, key: str) -> AsyncIterator[Tx]:
        """The store's transaction; once it has committed rows to the outbox, says so."""
        async with self.store.transaction(business, key) as tx:
            yield tx
        if tx.enqueued:
            self.outbox_ready()

    async def _at(self, point: str) -> None:
        waited = self.probe(point)
        if inspect.isawaitable(waited):
            await waited

    async def _handle(self, brain: Brain, event: InboundEvent, key: str, direct: bool) -> Reply:
        try:
            fresh = await self.store.record_inbound(event)
            await self._at("recorded")
            if not fresh and (done := await self._answered(event)) is not None:
                return done
            # understanding is the slow part of a turn: it runs before the write lock is
            # taken, on the state as it stands, and again only if another turn got in between
            known = await self.store.find_conversation(event.business, event.channel, event.sender)
            early = await self._offload(self._early_understanding, brain, known, event)
            await self._at("understood")
            async with self._transaction(event.business, key) as tx:
                # under the lock: another delivery of this event, fresh or not, may have
                # committed its turn while this one was understanding
                if (done := await self._answered(event)) is not None:
                    return done
                if not direct:
                    # another worker took in earlier messages of this conversation and has
                    # not had its turn yet: answer them first, in order (their replies go
                    # out through the outbox; their own handlers then find them answered)
                    for earlier in await tx.earlier_unanswered(event):
                        await self._turn(brain, earlier, tx, False, None)
                reply = await self._turn(brain, event, tx, direct, early)
                await self._at("before_commit")
            await self._at("committed")
            return reply
        except Exception as e:  # the boundary: no traceback reaches a customer
            log.exception(
                "turn failed",
                extra={"business": event.business, "provider_msg_id": event.provider_msg_id},
            )
            return await self._failed(brain, event, key, e, direct)

    async def _answered(self, event: InboundEvent) -> Reply | None:
        """The recorded reply when this event already has its committed turn."""
        done = await self.store.turn_for(event.business, event.provider_msg_id)
        if done is None:
            return None
        record = TurnRecord.model_validate(done.record)
        return Reply(
            text=record.reply.text,
            options=record.reply.options,
            conversation_id=done.conversation_id,
            duplicate=True,
            end=bool(record.decision and record.decision.plan.end_conversation),
        )

    async def recover(self, older_than: datetime, limit: int = 100) -> int:
        """Answer recorded events that never got a committed turn (their worker died).

        Only events received before ``older_than``, so a turn still in progress elsewhere
        is left to finish (and if it does finish meanwhile, the duplicate check under the
        lock returns its reply instead). Replies go out through the outbox. Events of
        businesses this desk does not serve are left alone. Returns how many were answered.
        """
        answered = 0
        for event in await self.store.unanswered_inbound(older_than, limit):
            if event.business in self.brains:
                await self.handle(event)
                answered += 1
        return answered

    # ------------------------------------------------------------------ one turn

    async def _offload(self, fn: Callable[..., T], *args: Any) -> T:
        if self.understand_in is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(
            self.understand_in, functools.partial(fn, *args)
        )

    def _early_understanding(
        self, brain: Brain, known: ConversationRow | None, event: InboundEvent
    ) -> tuple[int, Understanding]:
        state = ConversationState.model_validate(known.state) if known else ConversationState()
        now = event.received_at.astimezone(ZoneInfo(brain.business.timezone))
        return (known.turns if known else 0), self._understand(brain, state, event, now)

    async def _turn(
        self,
        brain: Brain,
        event: InboundEvent,
        tx: Tx,
        direct: bool,
        early: tuple[int, Understanding] | None,
    ) -> Reply:
        b = brain.business
        tz = ZoneInfo(b.timezone)
        now = event.received_at.astimezone(tz)
        conv = await tx.conversation(b.slug, event.channel, event.sender, now)
        state = ConversationState.model_validate(conv.state)
        state, known = await self._customer(tx, b.slug, state, event)
        snap = Snapshot(
            business=b.slug,
            conversation_id=conv.id,
            channel=event.channel,
            state=state,
            customer_known=known,
        )
        if early is None or early[0] != conv.turns:
            # not understood yet, or the conversation moved on meanwhile: understand afresh
            und = await self._offload(self._understand, brain, state, event, now)
        else:
            und = early[1]
        results: list[ActionResult] = []
        decision = decide(brain, snap, und, now, ())
        ctx_base = dict(
            business=b,
            tx=tx,
            now=now,
            conversation_id=conv.id,
            channel=event.channel,
            lang=und.lang,
            can_text=self.can_text(b.slug),
        )
        while decision.pending is not None:
            if len(results) >= MAX_ACTIONS_PER_TURN:
                raise RuntimeError(f"more than {MAX_ACTIONS_PER_TURN} actions in one turn")
            ctx = ActionContext(state=decision.state, **ctx_base)  # type: ignore[arg-type]
            results.append(await run_action(decision.pending, ctx))
            await self._at("acted")
            decision = decide(brain, snap, und, now, tuple(results))
        if b.slug in self.languages:  # a model may word it: with the card, off the loop
            active = decision.state.active
            reply = await self._offload(
                self._render,
                b.slug,
                decision.plan.model_copy(
                    update={"topic": active.card if active is not None else ""}
                ),
            )
        else:  # the templates: pure and quick, no thread hop on the hot path
            reply = self._render(b.slug, decision.plan)
        record = TurnRecord(
            seq=conv.turns + 1,
            business=b.slug,
            conversation_id=conv.id,
            event=event,
            now=now,
            snapshot=snap,
            understanding=und,
            results=tuple(results),
            decision=decision,
            reply=reply,
        )
        await self._commit(tx, conv.id, conv.last_hash, record, decision.state, now)
        if not direct:
            await self._send(tx, event, reply.text, reply.options, now)
        return Reply(
            text=reply.text,
            options=reply.options,
            conversation_id=conv.id,
            end=decision.plan.end_conversation,
            actions=tuple((r.name, r.ok) for r in results),
            switches=tuple(s.confidence for s in decision.switches if s.kind == "switch"),
        )

    @staticmethod
    async def _send(
        tx: Tx, event: InboundEvent, text: str, options: tuple[str, ...], now: datetime
    ) -> None:
        """The reply as an outbox row, in the turn's transaction: sent once it commits,
        and at most one per inbound event (the key is the provider's message id)."""
        await tx.enqueue(
            OutboxRow(
                id=uuid.uuid4().hex,
                business=event.business,
                kind="reply",
                payload={
                    "channel": event.channel,
                    "to": event.sender,
                    "text": text,
                    "options": list(options),
                    "in_reply_to": event.provider_msg_id,
                },
                idempotency_key=f"reply:{event.business}:{event.provider_msg_id}",
                next_attempt_at=now.astimezone(UTC),
            )
        )

    async def _customer(
        self, tx: Tx, business: str, state: ConversationState, event: InboundEvent
    ) -> tuple[ConversationState, bool]:
        caller = event.customer_phone or ""
        if caller and not state.proven(caller):
            # the adapters set a caller id only where the channel vouches for it (a signed
            # SMS or WhatsApp webhook, a voice call with a real number): it is proven
            state = state.model_copy(update={"verified_phones": (*state.verified_phones, caller)})
        phone = state.customer_phone or caller
        customer = await tx.customer_by_phone(business, phone) if phone else None
        if customer is None and state.customer_id:
            customer = await tx.customer(state.customer_id)
        if customer is not None and state.proven(customer.phone):
            # what we hold about a customer (their name) only for a number proven here
            state = state.model_copy(
                update={
                    "customer_id": customer.id,
                    "customer_name": state.customer_name or customer.name,
                    "customer_phone": customer.phone or phone,
                }
            )
            return state, True
        return state.model_copy(update={"customer_phone": phone}), False

    def _understand(
        self, brain: Brain, state: ConversationState, event: InboundEvent, now: datetime
    ) -> Understanding:
        ctx = understand_context(brain, state, now, event.lang_hint)
        text = event.text or event.payload.get("value", "")
        return self._language(brain.business.slug).understand(text, brain.examples, ctx)

    def _language(self, business: str) -> LanguageBackend:
        return self.languages.get(business, self.language)

    def _render(self, business: str, plan: ReplyPlan) -> Rendered:
        rendered = self._language(business).render(plan)
        problems = check_grounded(rendered.text, plan)
        if problems:
            fallback = render_plan(plan)
            return fallback.model_copy(
                update={"grounded": False, "note": "refused: " + "; ".join(problems)[:500]}
            )
        return rendered

    async def _commit(
        self,
        tx: Tx,
        conversation_id: str,
        prev_hash: str,
        record: TurnRecord,
        state: ConversationState,
        now: datetime,
    ) -> None:
        # a fresh salt per record: the digest an erased record keeps cannot confirm a guess
        data = record.model_copy(update={"salt": secrets.token_hex(16)}).model_dump(mode="json")
        digest = record_hash(prev_hash, data)
        await tx.append_turn(
            StoredTurn(
                conversation_id=conversation_id,
                seq=record.seq,
                provider_msg_id=record.event.provider_msg_id,
                record=data,
                hash=digest,
                prev_hash=prev_hash,
                created_at=now.astimezone(UTC),
            ),
            state.model_dump(mode="json"),
        )

    # ------------------------------------------------------------------ turns without a decision

    async def refuse(
        self, event: InboundEvent, problem: str, text: str, direct: bool = False
    ) -> Reply:
        """Record a message that is not to be understood — it is over a rate limit — and
        answer it with ``text`` (``""``: say nothing). The event is recorded like any other
        and gets a turn with ``problem`` and no decision (state untouched), so the audit
        shows it and the recovery sweep leaves it alone."""
        brain = self.brains.get(event.business)
        if brain is None:
            raise UnknownBusiness(event.business)
        key = f"{event.channel}:{event.sender}"
        async with self._lines.hold(f"{event.business}/{key}"):
            fresh = await self.store.record_inbound(event)
            if not fresh and (done := await self._answered(event)) is not None:
                return done
            return await self._undecided(brain, event, key, problem, text, direct)

    async def _failed(
        self, brain: Brain, event: InboundEvent, key: str, error: Exception, direct: bool
    ) -> Reply:
        """Record the failed turn (state untouched), escalate, apologise."""
        lang = event.lang_hint if event.lang_hint in ("en", "de") else brain.business.languages[0]
        return await self._undecided(
            brain,
            event,
            key,
            "internal_error",
            APOLOGY.get(lang, APOLOGY["en"]),
            direct,
            error=f"{type(error).__name__}: {error}"[:2000],
            escalate="internal error during a turn",
        )

    async def _undecided(
        self,
        brain: Brain,
        event: InboundEvent,
        key: str,
        problem: str,
        text: str,
        direct: bool,
        error: str = "",
        escalate: str = "",
    ) -> Reply:
        b = brain.business
        lang = event.lang_hint if event.lang_hint in ("en", "de") else b.languages[0]
        now = event.received_at.astimezone(ZoneInfo(b.timezone))
        async with self._transaction(b.slug, key) as tx:
            if (done := await self._answered(event)) is not None:
                return done
            conv = await tx.conversation(b.slug, event.channel, event.sender, now)
            state = ConversationState.model_validate(conv.state)
            snap = Snapshot(
                business=b.slug, conversation_id=conv.id, channel=event.channel, state=state
            )
            record = TurnRecord(
                seq=conv.turns + 1,
                business=b.slug,
                conversation_id=conv.id,
                event=event,
                now=now,
                snapshot=snap,
                understanding=Understanding(
                    text=event.text[:2000],
                    lang=lang,  # type: ignore[arg-type]
                    problem=problem,
                ),
                results=(),
                decision=None,
                reply=Rendered(text=text),
                error=error,
            )
            await self._commit(tx, conv.id, conv.last_hash, record, state, now)
            if escalate:
                await tx.insert_escalation(
                    EscalationRow(
                        id=uuid.uuid4().hex,
                        business=b.slug,
                        conversation_id=conv.id,
                        reason=escalate,
                        created_at=now.astimezone(UTC),
                    )
                )
            if text and not direct:
                await self._send(tx, event, text, (), now)
        return Reply(text=text, conversation_id=conv.id, problem=problem)


__all__ = ["APOLOGY", "Desk", "Probe", "Reply", "UnknownBusiness"]
