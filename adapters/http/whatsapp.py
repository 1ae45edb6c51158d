"""WhatsApp through Meta's Cloud API: the webhook and the sender of replies.

``GET /whatsapp/{business}`` answers Meta's subscription check: ``hub.mode=subscribe`` with
the business's ``verify_token`` gets ``hub.challenge`` back as plain text, anything else a
403. ``POST /whatsapp/{business}`` is Meta's webhook: its ``X-Hub-Signature-256``
(``sha256=`` + hex HMAC-SHA256 of the raw body under the app secret) is checked in constant
time before the body is even parsed. A ``whatsapp_business_account`` notification may carry
several messages; each becomes its own event, in order: a ``text`` message its body, an
``interactive`` ``button_reply``/``list_reply`` the chosen option (the reply's id *is* the
option text, see :func:`whatsapp_message`). ``statuses`` callbacks and reactions are
ignored; any other type (sticker, voice note, image, location, ...) gets a polite "I can
only read text here" through the outbox without a turn. Replies go out through the outbox
(:class:`WhatsAppSender`), so the webhook answers 200 as soon as the turns are recorded;
Meta redelivering a webhook sends the same wamids, which the desk makes one turn and one
reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import aiohttp
from aiohttp import web
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    WrapValidator,
    model_validator,
)

from adapters.channels import WhatsAppChannel, channels_of
from adapters.outbox import DeliveryError, ProviderStatusError, RetryOptions, response_json
from engine.business import Business
from engine.ports import InboundEvent, OutboxRow

from .channel import (
    DEFAULT_RETRY,
    ChannelSender,
    Clock,
    enabled_accounts,
    or_none,
    read_body,
    utcnow,
)
from .server import Server

log = logging.getLogger("frontdesk.http.whatsapp")

MAX_BODY = 64 * 1024  # a webhook with a few messages is a few kB
MAX_TEXT = 4096  # a text message's body
MAX_INTERACTIVE_BODY = 1024  # an interactive message's body text
MAX_BUTTONS = 3  # reply buttons in one message
MAX_ROWS = 10  # rows of a list message
BUTTON_TITLE = 20
BUTTON_ID = 256
ROW_TITLE = 24
ROW_ID = 200
ROW_DESCRIPTION = 72
LIST_BUTTON = 20  # the label of the button that opens a list
# Meta's rate-limit error codes: throttled calls, throughput, spam and pair rate limits
RETRYABLE_CODES = frozenset({4, 80007, 130429, 131048, 131056})
IGNORED_TYPES = frozenset({"reaction", "system"})  # nothing for the desk to answer
TEXT_ONLY = {
    "en": "Sorry, I can only read text here. Please type your message.",
    "de": "Entschuldigung, ich kann hier nur Text lesen. Bitte schreiben Sie Ihre Nachricht.",
}
LIST_LABEL = {"en": "Choose", "de": "Auswählen"}
DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"


def routes(server: Server, now: Clock = utcnow) -> list[web.RouteDef]:
    """Meta's verification check and the webhook. ``now`` stamps each message's arrival
    (tests fix it)."""

    async def verify(request: web.Request) -> web.Response:
        return _verify(server, request)

    async def webhook(request: web.Request) -> web.Response:
        return await _webhook(server, request, now)

    return [
        web.get("/whatsapp/{business}", verify, allow_head=False),
        web.post("/whatsapp/{business}", webhook),
    ]


def signature(app_secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256`` as Meta computes it."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _account(server: Server, slug: str) -> WhatsAppChannel | web.Response:
    brain = server.app.brains.get(slug)
    if brain is None:
        return web.Response(status=404, text="unknown business")
    account = channels_of(brain.business).whatsapp
    if account is None or not account.enabled:
        log.warning("whatsapp webhook for a business without whatsapp", extra={"business": slug})
        return web.Response(status=404, text="WhatsApp is not set up for this business")
    return account


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def _verify(server: Server, request: web.Request) -> web.Response:
    slug = request.match_info["business"]
    account = _account(server, slug)
    if isinstance(account, web.Response):
        return account
    q = request.query
    challenge = q.get("hub.challenge", "")
    if (
        q.get("hub.mode") == "subscribe"
        and challenge
        and _same(q.get("hub.verify_token", ""), account.verify_token)
    ):
        return web.Response(text=challenge, content_type="text/plain")
    log.warning(
        "whatsapp verification refused",
        extra={"business": slug, "mode": q.get("hub.mode", ""), "remote": request.remote},
    )
    return web.Response(status=403, text="verification refused")


# --------------------------------------------------------------------- the webhook's JSON


@dataclass(frozen=True)
class Incoming:
    """One message of a webhook, as far as the desk cares."""

    sender: str  # the customer's WhatsApp id (``from``: the number without '+')
    wamid: str
    kind: Literal["text", "choice", "unsupported", "ignored"]
    type: str  # Meta's message type
    text: str = ""


class Malformed(ValueError):
    """A notification or message that is not in Meta's format, in the words the 400 says."""


# Only the fields the desk reads, typed. An optional part of another type than Meta's counts
# as absent (``or_none``): a message the desk cannot read is answered politely, not refused.

Text = Annotated[StrictStr | None, WrapValidator(or_none)]
REPLY_TYPES = ("button_reply", "list_reply")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TextBody(_Model):
    body: Text = None


class Choice(_Model):
    """A pressed reply button or list row: its id, which is the option (see
    :func:`whatsapp_message`), else its title."""

    id: Any = None
    title: Any = None

    @property
    def value(self) -> str | None:
        """The id, else the title: the first that is given at all, if it is a string."""
        value = self.id or self.title
        return value if isinstance(value, str) and value else None


class Interactive(_Model):
    type: Text = None
    button_reply: Annotated[Choice | None, WrapValidator(or_none)] = None
    list_reply: Annotated[Choice | None, WrapValidator(or_none)] = None

    @property
    def chosen(self) -> Choice | None:
        """The reply of the interactive's own type (a button or a list row), if any."""
        if self.type == "button_reply":
            return self.button_reply
        return self.list_reply if self.type == "list_reply" else None


class QuickReply(_Model):
    """A template's quick-reply button."""

    text: Any = None
    payload: Any = None

    @property
    def value(self) -> str | None:
        """The text, else the payload: the first that is given at all, if it is a string."""
        value = self.text or self.payload
        return value if isinstance(value, str) and value else None


def _wa_id(value: str) -> str:
    if not value.strip("+ "):
        raise Malformed("a message needs from, id and type")
    return value.strip().lstrip("+")


class WaMessage(_Model):
    """One message of a webhook as Meta sends it."""

    sender: Annotated[StrictStr, AfterValidator(_wa_id)] = Field(alias="from")
    id: StrictStr = Field(min_length=1)  # the wamid
    type: StrictStr
    text: Annotated[TextBody | None, WrapValidator(or_none)] = None
    interactive: Annotated[Interactive | None, WrapValidator(or_none)] = None
    button: Annotated[QuickReply | None, WrapValidator(or_none)] = None

    @model_validator(mode="after")
    def _readable(self) -> WaMessage:
        if self.type == "text" and (self.text is None or self.text.body is None):
            raise Malformed("a text message without text.body")
        chosen = (
            self.interactive.chosen
            if self.type == "interactive" and self.interactive is not None
            else None
        )
        if chosen is not None and chosen.value is None:
            raise Malformed("an interactive reply without id or title")
        return self

    def incoming(self) -> Incoming:
        """The message as far as the desk cares."""
        sender, wamid, kind = self.sender, self.id, self.type
        if kind == "text" and self.text is not None and self.text.body is not None:
            return Incoming(sender, wamid, "text", kind, self.text.body)
        chosen = self.interactive.chosen if self.interactive is not None else None
        if kind == "interactive" and chosen is not None:
            return Incoming(sender, wamid, "choice", kind, chosen.value or "")
        value = self.button.value if self.button is not None else None
        if kind == "button" and value:
            return Incoming(sender, wamid, "choice", kind, value)
        if kind in IGNORED_TYPES:
            return Incoming(sender, wamid, "ignored", kind)
        return Incoming(sender, wamid, "unsupported", kind)


class Metadata(_Model):
    phone_number_id: Annotated[str, BeforeValidator(str)] = ""


class Value(_Model):
    """A ``messages`` change's value: its messages are read one by one, and only when they
    are for our number (see :func:`parse_webhook`)."""

    metadata: Annotated[Metadata | None, WrapValidator(or_none)] = None
    messages: list[Any] = []

    @property
    def number(self) -> str:
        return self.metadata.phone_number_id if self.metadata is not None else ""


class Change(_Model):
    """A change; its value is read as a :class:`Value` only for the ``messages`` field."""

    field: Any = "messages"
    value: dict[str, Any]


class Entry(_Model):
    changes: list[Change] = []


class Notification(_Model):
    object: Literal["whatsapp_business_account"]
    entry: list[Entry]


def parse_webhook(data: Any, phone_number_id: str) -> list[Incoming]:
    """The messages of a ``whatsapp_business_account`` notification sent to
    ``phone_number_id``, in order (changes for another number are skipped unread, status
    callbacks carry no messages). Raises ``ValidationError`` for anything that is not
    Meta's format."""
    try:
        notification = Notification.model_validate(data)
    except ValidationError as e:
        raise Malformed(_notification_refusal(e)) from e
    out: list[Incoming] = []
    for entry in notification.entry:
        for change in entry.changes:
            if change.field != "messages":
                continue
            try:
                value = Value.model_validate(change.value)
            except ValidationError as e:
                raise Malformed("messages is not a list") from e
            messages = value.messages
            if messages and value.number != phone_number_id:
                log.warning(
                    "whatsapp messages for another phone number skipped",
                    extra={"phone_number_id": value.number, "messages": len(messages)},
                )
                continue
            out.extend(_message(m) for m in messages)
    return out


def _notification_refusal(error: ValidationError) -> str:
    """What the 400 says of a notification whose envelope is not Meta's."""
    where = error.errors()[0]["loc"]
    if not where or where[0] == "object":
        return "not a whatsapp_business_account notification"
    by_depth = {1: "entry is not a list", 2: "entry is not an object", 3: "changes is not a list"}
    return by_depth.get(len(where), "a change without a value")


def _message(data: Any) -> Incoming:
    try:
        return WaMessage.model_validate(data).incoming()
    except ValidationError as e:
        first = e.errors()[0]
        if first["type"] == "value_error":  # a rule of WaMessage, in its own words
            raise Malformed(str(first["ctx"]["error"])) from e
        if not first["loc"]:
            raise Malformed("a message is not an object") from e
        raise Malformed("a message needs from, id and type") from e


async def _webhook(server: Server, request: web.Request, now: Clock) -> web.Response:
    slug = request.match_info["business"]
    account = _account(server, slug)
    if isinstance(account, web.Response):
        return account
    body = await read_body(request, MAX_BODY)
    if isinstance(body, web.Response):
        return body
    given = request.headers.get("X-Hub-Signature-256", "")
    if not given or not _same(given.strip(), signature(account.app_secret, body)):
        server.metrics.signature_failures.labels("whatsapp").inc()
        log.warning(
            "whatsapp signature refused",
            extra={"business": slug, "signature_present": bool(given), "remote": request.remote},
        )
        return web.Response(status=403, text="invalid signature")
    try:
        messages = parse_webhook(json.loads(body.decode("utf-8")), account.phone_number_id)
    except (UnicodeDecodeError, ValueError) as e:  # json's errors and Malformed
        return _malformed(slug, str(e))
    lang = server.app.brains[slug].business.languages[0]
    for message in messages:  # one at a time, in order: a later one may build on an earlier
        await _one(server, slug, message, lang, now())
    return web.Response(status=200, text="ok")


def _malformed(slug: str, what: str) -> web.Response:
    log.warning("malformed whatsapp webhook", extra={"business": slug, "error": what})
    return web.Response(status=400, text=f"malformed webhook: {what}")


async def _one(server: Server, slug: str, m: Incoming, lang: str, received: datetime) -> None:
    if m.kind == "ignored":
        log.info("whatsapp message ignored", extra={"business": slug, "type": m.type})
        return
    if m.kind == "unsupported":
        log.info("whatsapp message type not supported", extra={"business": slug, "type": m.type})
    event = InboundEvent(
        business=slug,
        channel="whatsapp",
        sender=m.sender,
        text=m.text,
        payload={"value": m.text}
        if m.kind == "choice"
        else {"type": m.type}
        if m.kind == "unsupported"
        else {},
        provider_msg_id=m.wamid,
        received_at=received,
        customer_phone="+" + m.sender,
    )
    # the reply goes out through the outbox
    await server.inbound(
        event,
        direct=False,
        unsupported=TEXT_ONLY.get(lang, TEXT_ONLY["en"]) if m.kind == "unsupported" else "",
    )


# --------------------------------------------------------------------- replies


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def numbered_text(text: str, options: Sequence[str]) -> str:
    """The reply as one text message: the options as a numbered list (a customer answers
    with the number), cut to what Meta accepts."""
    body = text.strip()
    if options:
        body += "\n\n" + "\n".join(f"{i}. {o}" for i, o in enumerate(options, 1))
    return _cut(body, MAX_TEXT)


def _titles(options: Sequence[str], limit: int) -> list[str]:
    """Titles that fit ``limit`` and are distinct (Meta refuses repeated titles): the
    options themselves when that works, else numbered."""
    plain = [_cut(o.strip(), limit) for o in options]
    if len(set(plain)) == len(plain):
        return plain
    return [_cut(f"{i}. {o.strip()}", limit) for i, o in enumerate(options, 1)]


def whatsapp_message(
    to: str, text: str, options: Sequence[str], lang: str = "en"
) -> dict[str, Any]:
    """The Cloud API message for a reply. Up to 3 options are reply buttons, 4 to 10 a
    list (the whole option as the row's description when its title had to be cut), more
    a numbered text. Each button's or row's id is the option text itself, so a press
    comes back as the option the desk offered."""
    base: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    }
    body = text.strip()
    interactive = _interactive(body, list(options), lang)
    if interactive is None:
        return {
            **base,
            "type": "text",
            "text": {"body": numbered_text(body, options), "preview_url": False},
        }
    return {**base, "type": "interactive", "interactive": interactive}


def _interactive(body: str, options: list[str], lang: str) -> dict[str, Any] | None:
    if (
        not options
        or len(options) > MAX_ROWS
        or not body
        or len(body) > MAX_INTERACTIVE_BODY
        or any(not o.strip() for o in options)
    ):
        return None
    if len(options) <= MAX_BUTTONS:
        ids = [o[:BUTTON_ID] for o in options]
        if len(set(ids)) != len(ids):
            return None
        buttons = [
            {"type": "reply", "reply": {"id": i, "title": t}}
            for i, t in zip(ids, _titles(options, BUTTON_TITLE), strict=True)
        ]
        return {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}}
    ids = [o[:ROW_ID] for o in options]
    if len(set(ids)) != len(ids):
        return None
    rows: list[dict[str, str]] = []
    for option, row_id, title in zip(options, ids, _titles(options, ROW_TITLE), strict=True):
        row = {"id": row_id, "title": title}
        if title != option.strip():
            row["description"] = _cut(option.strip(), ROW_DESCRIPTION)
        rows.append(row)
    label = _cut(LIST_LABEL.get(lang, LIST_LABEL["en"]), LIST_BUTTON)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {"button": label, "sections": [{"rows": rows}]},
    }


class WhatsAppSender(ChannelSender[WhatsAppChannel]):
    """Sends ``reply`` rows of channel ``whatsapp`` through the Cloud API
    (``POST {base_url}/{version}/{phone_number_id}/messages``, bearer token).

    Meta answers with the message's wamid, or ``{"error": {"message", "type", "code",
    "error_subcode", "fbtrace_id"}}``: 429, a 5xx and Meta's rate-limit codes (131048 and
    kin) are tried again, any other 4xx is permanent. The Cloud API takes no idempotency
    key: a drainer dying between Meta's answer and marking the row sent sends it twice.
    """

    provider = "whatsapp"
    account_name = "WhatsApp number"

    def __init__(
        self,
        accounts: Mapping[str, WhatsAppChannel],
        base_url: str = DEFAULT_API_URL,
        version: str = DEFAULT_VERSION,
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
        languages: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(accounts, base_url, options, session)
        self.version = version.strip("/")
        self.languages = dict(languages or {})  # business slug → language of list labels

    @classmethod
    def for_businesses(
        cls,
        businesses: Mapping[str, Business],
        base_url: str = DEFAULT_API_URL,
        version: str = DEFAULT_VERSION,
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> WhatsAppSender:
        accounts = enabled_accounts(businesses, lambda b: channels_of(b).whatsapp)
        languages = {slug: b.languages[0] for slug, b in businesses.items()}
        return cls(accounts, base_url, version, options, session, languages)

    async def _send(self, row: OutboxRow) -> None:
        account = self.account(row)
        to = self.recipient(row)
        text = str(row.payload.get("text", ""))
        options = [str(o) for o in row.payload.get("options") or ()]
        if not text.strip() and not options:
            raise DeliveryError("empty reply", retryable=False)
        message = whatsapp_message(to, text, options, self.languages.get(row.business, "en"))
        url = f"{self.base_url}/{self.version}/{account.phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {account.access_token}", "Accept": "application/json"}
        async with self._post(url, json=message, headers=headers) as r:
            data = await response_json(r)
            if r.status < 300:
                sent = data.get("messages")
                wamid = (
                    sent[0].get("id", "")
                    if isinstance(sent, list) and sent and isinstance(sent[0], dict)
                    else ""
                )
                log.info(
                    "whatsapp sent", extra={"row": row.id, "business": row.business, "wamid": wamid}
                )
                return
            found = data.get("error")
            error: dict[str, Any] = found if isinstance(found, dict) else {}
            code = error.get("code")
            what = (
                f"WhatsApp answered {r.status}: code {code if code is not None else '?'}"
                f" (subcode {error.get('error_subcode', '-')}): "
                f"{error.get('message', '')} [{error.get('type', '')}, fbtrace_id "
                f"{error.get('fbtrace_id', '-')}]"
            )
            raise ProviderStatusError(what, r.status, code, error, RETRYABLE_CODES)


__all__ = [
    "MAX_BODY",
    "TEXT_ONLY",
    "Incoming",
    "Malformed",
    "Notification",
    "WaMessage",
    "WhatsAppSender",
    "numbered_text",
    "parse_webhook",
    "routes",
    "signature",
    "whatsapp_message",
]
