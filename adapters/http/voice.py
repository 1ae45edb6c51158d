"""Phone calls through Twilio Voice: the desk speaks TwiML.

``POST /twilio/voice/{business}`` is Twilio's "a call comes in" webhook: it answers with a
recording-consent notice only when a recording of the call is actually started (none is
yet: ``records_calls: true`` alone says nothing, see :func:`_start_recording`), then the
greeting inside a speech ``<Gather>``. Twilio posts what the caller said to
``POST /twilio/voice/{business}/gather?n=N&s=S&lang=L``: ``n`` numbers the gathers of the
call, ``s`` counts silent ones in a row, ``lang`` is the language the last reply was
spoken in. Each answer is one desk turn (``direct``: the reply is the TwiML itself):

- the conversation goes on: ``<Gather><Say>reply</Say></Gather>`` with the next ``n``;
- the reply ends the conversation: ``<Say>reply</Say><Hangup/>``;
- the turn's plan transfers (a person, an emergency): ``<Say>reply</Say><Dial>phone</Dial>``;
- no speech: a re-prompt; the second silence in a row: a callback promise, an escalation
  (the caller's number in its reason) and ``<Hangup/>``.

Both webhooks check ``X-Twilio-Signature`` exactly as the SMS webhook does. The turn's
``provider_msg_id`` is ``CallSid:n:hash(SpeechResult)``: Twilio retrying a callback posts
the same URL and parameters, which the desk makes one turn.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from aiohttp import web
from pydantic import Field

from adapters.channels import TwilioChannel
from engine.audit import TurnRecord
from engine.brain import Brain
from engine.desk import Reply
from engine.ports import EscalationRow, InboundEvent
from language.render import render_plan
from language.types import PlanItem, ReplyPlan

from .channel import Clock, utcnow
from .server import Server
from .twilio import Stripped, TwilioForm, read_form, required, signed_form

log = logging.getLogger("frontdesk.http.voice")

SPEECH_LANGUAGE = {"en": "en-US", "de": "de-DE"}  # Twilio's language attribute
DEFAULT_VOICE = {"en": "Polly.Joanna", "de": "Polly.Vicki"}
SILENT_LIMIT = 2  # silent gathers in a row before the call is handed to the team
TEXTS = {
    "consent": {
        "en": "This call may be recorded for quality and training purposes.",
        "de": "Dieses Gespräch kann zu Qualitäts- und Schulungszwecken aufgezeichnet werden.",
    },
    "silence": {
        "en": "Sorry, I didn't hear anything. How can I help you?",
        "de": "Entschuldigung, ich habe nichts gehört. Wie kann ich Ihnen helfen?",
    },
    "fallback": {
        "en": "I still can't hear you. A member of our team will call you back. Goodbye!",
        "de": "Ich kann Sie leider immer noch nicht hören. Jemand aus unserem Team ruft Sie "
        "zurück. Auf Wiederhören!",
    },
}


def routes(server: Server, now: Clock = utcnow) -> list[web.RouteDef]:
    """The two voice webhooks. ``now`` stamps each turn's arrival (tests fix it)."""

    async def call(request: web.Request) -> web.Response:
        return await _call(server, request)

    async def gather(request: web.Request) -> web.Response:
        return await _gather(server, request, now)

    return [
        web.post("/twilio/voice/{business}", call),
        web.post("/twilio/voice/{business}/gather", gather),
    ]


class VoiceForm(TwilioForm):
    """A call's webhook: the call, who calls, and (posted to the gather callback) what the
    caller said."""

    call_sid: Annotated[str, required("CallSid is required")] = Field(
        "", alias="CallSid", validate_default=True
    )
    caller: Stripped = Field("", alias="From")
    speech: Stripped = Field("", alias="SpeechResult")


@dataclass(frozen=True)
class _Call:
    """A correctly signed voice webhook."""

    brain: Brain
    account: TwilioChannel
    form: VoiceForm
    base: str  # the gather callback's URL without its query

    @property
    def sid(self) -> str:
        return self.form.call_sid


async def _checked(server: Server, request: web.Request) -> _Call | web.Response:
    """The signed request, or the error response (the same checks as the SMS webhook)."""
    checked = await signed_form(server, request, "voice")
    if isinstance(checked, web.Response):
        return checked
    form = read_form(checked.form, VoiceForm)
    if isinstance(form, web.Response):
        return form
    base = checked.url.split("?", 1)[0].rstrip("/")
    if not base.endswith("/gather"):
        base += "/gather"
    return _Call(brain=checked.brain, account=checked.account, form=form, base=base)


def _start_recording(wanted: bool, call_sid: str) -> bool:
    """Start recording the call when the business wants it (``records_calls``); whether a
    recording was started. The consent notice plays only then: telling a caller "this call
    may be recorded" when nothing is would be untrue. This desk has no recorder yet (the
    voice pipeline adds one), so no call is recorded and no notice plays."""
    del wanted, call_sid  # no recorder to start
    return False


async def _call(server: Server, request: web.Request) -> web.Response:
    """A call comes in: consent notice (if recorded), greeting, listen."""
    checked = await _checked(server, request)
    if isinstance(checked, web.Response):
        return checked
    b = checked.brain.business
    lang = b.languages[0]
    twiml = _Twiml(checked.account, lang)
    if _start_recording(b.records_calls, checked.sid):
        twiml.say(TEXTS["consent"][_known(lang)])
    greeting = render_plan(
        ReplyPlan(lang=lang, items=(PlanItem(kind="greet"),), business_name=b.name)
    )
    twiml.gather(greeting.text, _action(checked.base, 1, 0, lang))
    log.info("call answered", extra={"business": b.slug, "call": checked.sid})
    return twiml.response()


async def _gather(server: Server, request: web.Request, now: Clock) -> web.Response:
    checked = await _checked(server, request)
    if isinstance(checked, web.Response):
        return checked
    b = checked.brain.business
    n = _int(request.query.get("n"), 1)
    silent = _int(request.query.get("s"), 0)
    asked_lang = request.query.get("lang", "")
    lang: str = asked_lang if asked_lang in b.languages else b.languages[0]
    speech = checked.form.speech
    if not speech:
        return await _silence(server, checked, n, silent + 1, lang, now)
    caller = checked.form.caller
    digest = hashlib.sha256(speech.encode()).hexdigest()[:16]
    msg_id = f"{checked.sid}:{n}:{digest}"
    event = InboundEvent(
        business=b.slug,
        channel="voice",
        sender=checked.sid,
        text=speech,
        provider_msg_id=msg_id,
        received_at=now(),
        lang_hint=lang,
        customer_phone=caller if caller.startswith("+") else None,
    )
    reply = await server.inbound(event, direct=True)
    twiml = _Twiml(checked.account, lang)
    if reply is None:  # rate limited, silently: end the call
        twiml.hangup()
        return twiml.response()
    if reply.problem == "rate_limited":  # the rate limiter's one polite warning
        twiml.say(reply.text)
        twiml.hangup()
        return twiml.response()
    spoken, phone = await _turn_facts(server, b.slug, msg_id, lang)
    twiml.lang = spoken
    return _answer(twiml, reply, phone, _action(checked.base, n + 1, 0, spoken))


def _answer(twiml: _Twiml, reply: Reply, transfer_to: str, action: str) -> web.Response:
    if transfer_to:
        twiml.say(reply.text)
        twiml.dial(transfer_to)
    elif reply.end:
        twiml.say(reply.text)
        twiml.hangup()
    else:
        twiml.gather(reply.text, action)
    return twiml.response()


async def _turn_facts(server: Server, slug: str, msg_id: str, lang: str) -> tuple[str, str]:
    """The language the turn answered in and the number its plan transfers to ("" if
    none), from the turn's audit record."""
    stored = await server.app.store.turn_for(slug, msg_id)
    if stored is None:
        return lang, ""
    record = TurnRecord.model_validate(stored.record)
    if record.decision is None:  # a failed turn: its apology is in the caller's language
        return lang, ""
    plan = record.decision.plan
    phone = next(
        (
            str(i.data.get("phone", ""))
            for i in plan.items
            if i.kind == "transfer" and i.data.get("phone")
        ),
        "",
    )
    return plan.lang, phone


async def _silence(
    server: Server, call: _Call, n: int, silent: int, lang: str, now: Clock
) -> web.Response:
    twiml = _Twiml(call.account, lang)
    if silent < SILENT_LIMIT:
        twiml.gather(TEXTS["silence"][_known(lang)], _action(call.base, n + 1, silent, lang))
        return twiml.response()
    await _escalate_silent_call(server, call, now())
    twiml.say(TEXTS["fallback"][_known(lang)])
    twiml.hangup()
    return twiml.response()


async def _escalate_silent_call(server: Server, call: _Call, at: datetime) -> None:
    """An escalation asking the team to call the caller back (once per call: Twilio may
    retry the callback)."""
    slug = call.brain.business.slug
    esc_id = "voice-silent-" + uuid.uuid5(uuid.NAMESPACE_URL, f"{slug}:{call.sid}").hex
    store = server.app.store
    if any(e.id == esc_id for e in await store.list_escalations(slug)):
        return
    caller = call.form.caller or "an unknown number"
    try:
        async with store.transaction(slug, f"voice:{call.sid}") as tx:
            conv = await tx.conversation(slug, "voice", call.sid, at)
            await tx.insert_escalation(
                EscalationRow(
                    id=esc_id,
                    business=slug,
                    conversation_id=conv.id,
                    created_at=at,
                    reason=f"a phone call from {caller} went silent; call them back",
                )
            )
    except Exception:  # the caller still hears the goodbye; the log keeps the number
        log.exception(
            "could not record the silent call's escalation",
            extra={"business": slug, "call": call.sid},
        )
    else:
        log.info("silent call escalated", extra={"business": slug, "call": call.sid})


def _action(base: str, n: int, silent: int, lang: str) -> str:
    return f"{base}?{urlencode({'n': n, 's': silent, 'lang': lang})}"


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except ValueError:
        return default


def _known(lang: str) -> str:
    return lang if lang in SPEECH_LANGUAGE else "en"


def voice_for(account: TwilioChannel, lang: str) -> str:
    """The voice a language is spoken in: the configured one, else a default."""
    configured = account.voice if isinstance(account.voice, str) else account.voice.get(lang, "")
    return configured or DEFAULT_VOICE.get(lang, DEFAULT_VOICE["en"])


class _Twiml:
    """A TwiML ``<Response>`` built as XML (every text and attribute escaped)."""

    def __init__(self, account: TwilioChannel, lang: str) -> None:
        self.account = account
        self.lang = lang
        self.root = ET.Element("Response")

    def _say(self, parent: ET.Element, text: str) -> None:
        say = ET.SubElement(
            parent,
            "Say",
            voice=voice_for(self.account, self.lang),
            language=SPEECH_LANGUAGE.get(self.lang, "en-US"),
        )
        say.text = text

    def say(self, text: str) -> None:
        self._say(self.root, text)

    def gather(self, text: str, action: str) -> None:
        gather = ET.SubElement(
            self.root,
            "Gather",
            {
                "input": "speech",
                "action": action,
                "method": "POST",
                "speechTimeout": "auto",
                "language": SPEECH_LANGUAGE.get(self.lang, "en-US"),
                "actionOnEmptyResult": "true",
            },
        )  # silence posts to the action too
        self._say(gather, text)

    def dial(self, number: str) -> None:
        ET.SubElement(self.root, "Dial").text = number

    def hangup(self) -> None:
        ET.SubElement(self.root, "Hangup")

    def response(self) -> web.Response:
        body = '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(self.root, "unicode")
        return web.Response(text=body, content_type="text/xml", charset="utf-8")


__all__ = ["DEFAULT_VOICE", "SPEECH_LANGUAGE", "VoiceForm", "routes", "voice_for"]
