"""SMS through Twilio: the inbound webhook and the sender of replies.

``POST /twilio/sms/{business}`` is Twilio's "a message comes in" webhook. Its
``X-Twilio-Signature`` is checked with the twilio library's validator against the URL
Twilio called — ``Server.public_url`` plus the path when set, otherwise the request's own
URL, with ``X-Forwarded-Proto``/``X-Forwarded-Host`` respected only from a trusted proxy
(the ``trusted_proxies`` setting). Only a
correctly signed message reaches the desk; its reply goes out through the outbox
(:class:`TwilioSmsSender`, under ``adapters.outbox.ReplyRouter``), so the webhook answers
an empty TwiML ``<Response/>`` at once. Twilio retrying a webhook sends the same
``MessageSid``: the desk makes that one turn and one reply.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from multidict import MultiDict
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from twilio.request_validator import RequestValidator

from adapters.channels import TwilioChannel, channels_of
from adapters.outbox import ProviderStatusError, RetryOptions, response_json
from engine.brain import Brain
from engine.business import Business
from engine.ports import InboundEvent, OutboxRow

from .channel import (
    DEFAULT_RETRY,
    ChannelSender,
    Clock,
    enabled_accounts,
    problem,
    read_body,
    request_origin,
    utcnow,
)
from .server import Server

log = logging.getLogger("frontdesk.http.twilio")

MAX_BODY = 64 * 1024  # a Twilio webhook is a few hundred bytes
MAX_SMS = 1600  # Twilio refuses longer bodies (error 21617)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def routes(server: Server, now: Clock = utcnow) -> list[web.RouteDef]:
    """The SMS webhook. ``now`` stamps each message's arrival (tests fix it)."""

    async def sms(request: web.Request) -> web.Response:
        return await _sms(server, request, now)

    return [web.post("/twilio/sms/{business}", sms)]


def signed_url(server: Server, request: web.Request) -> str:
    """The URL Twilio signed: the public URL when configured, else the request's own URL
    as the client (Twilio) saw it through a trusted proxy."""
    path = request.raw_path  # path and query exactly as requested
    if server.public_url:
        return server.public_url.rstrip("/") + path
    return request_origin(request, server.settings.trusted_proxies) + path


def _signature_matches(token: str, url: str, form: MultiDict[str], signature: str) -> bool:
    """Twilio's check; a URL it cannot parse (a forged ``X-Forwarded-Host`` such as
    ``[``, an invalid IPv6 literal) matches nothing, rather than raising a 500."""
    try:
        return bool(RequestValidator(token).validate(url, form, signature))
    except ValueError:
        return False


def _parse_form(body: bytes) -> MultiDict[str] | None:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return MultiDict(pairs)


# --------------------------------------------------------------------- the forms' fields


def required(what: str) -> AfterValidator:
    """A form field that must hold more than blanks (stripped); ``what`` is the 400's text."""

    def check(value: str) -> str:
        if not _strip(value):
            raise ValueError(what)
        return _strip(value)

    return AfterValidator(check)


def _strip(value: str) -> str:
    return value.strip()


Stripped = Annotated[str, AfterValidator(_strip)]
SENDER_AND_ID = "From and MessageSid are required"


def _count(value: str) -> int:
    try:
        return int(value or "0")
    except ValueError:
        raise ValueError("NumMedia is not a number") from None


class TwilioForm(BaseModel):
    """The fields of a Twilio webhook the desk reads (Twilio sends many more)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class SmsForm(TwilioForm):
    """An incoming SMS."""

    sender: Annotated[str, required(SENDER_AND_ID)] = Field("", alias="From", validate_default=True)
    message_sid: Annotated[str, required(SENDER_AND_ID)] = Field(
        "", alias="MessageSid", validate_default=True
    )
    body: str = Field("", alias="Body")
    num_media: Annotated[int, BeforeValidator(_count)] = Field(0, alias="NumMedia")


FormT = TypeVar("FormT", bound=TwilioForm)


def read_form(form: MultiDict[str], model: type[FormT]) -> FormT | web.Response:
    """A signed form's fields (each field's first value) as ``model``, or a 400 saying what
    is missing."""
    try:
        return model.model_validate({key: form.getone(key) for key in form})
    except ValidationError as e:
        return web.Response(status=400, text=problem(e))


@dataclass(frozen=True)
class SignedForm:
    """A Twilio webhook that passed every check: its business, account, form and the URL
    Twilio signed."""

    brain: Brain
    account: TwilioChannel
    form: MultiDict[str]
    url: str


async def signed_form(server: Server, request: web.Request, what: str) -> SignedForm | web.Response:
    """The checks every Twilio webhook (``what``: "SMS", "voice") makes, in order: a known
    business with Twilio set up (404), the size (413), a well-formed form (400), the
    signature (403, counted and logged; nothing reaches the desk)."""
    slug = request.match_info["business"]
    brain = server.app.brains.get(slug)
    if brain is None:
        return web.Response(status=404, text="unknown business")
    account = channels_of(brain.business).twilio
    if account is None or not account.enabled:
        log.warning(
            f"{what.lower()} webhook for a business without twilio", extra={"business": slug}
        )
        return web.Response(status=404, text=f"{what} is not set up for this business")
    body = await read_body(request, MAX_BODY)
    if isinstance(body, web.Response):
        return body
    if request.content_type != "application/x-www-form-urlencoded":
        return web.Response(status=400, text="expected a form (application/x-www-form-urlencoded)")
    form = _parse_form(body) if body else MultiDict[str]()
    if form is None:
        return web.Response(status=400, text="malformed form data")
    signature = request.headers.get("X-Twilio-Signature", "")
    url = signed_url(server, request)
    if not signature or not _signature_matches(account.auth_token, url, form, signature):
        server.metrics.signature_failures.labels("twilio").inc()
        log.warning(
            f"twilio {what.lower()} signature refused",
            extra={
                "business": slug,
                "url": url,
                "signature_present": bool(signature),
                "remote": request.remote,
            },
        )
        return web.Response(status=403, text="invalid signature")
    return SignedForm(brain=brain, account=account, form=form, url=url)


async def _sms(server: Server, request: web.Request, now: Clock) -> web.Response:
    checked = await signed_form(server, request, "SMS")
    if isinstance(checked, web.Response):
        return checked
    message = read_form(checked.form, SmsForm)
    if isinstance(message, web.Response):
        return message
    text = message.body
    payload = {"media": "1"} if message.num_media > 0 and not text.strip() else {}
    event = InboundEvent(
        business=checked.brain.business.slug,
        channel="sms",
        sender=message.sender,
        text=text,
        payload=payload,
        provider_msg_id=message.message_sid,
        received_at=now(),
        customer_phone=message.sender,
    )
    await server.inbound(event, direct=False)  # the reply goes out through the outbox
    return _twiml("<Response/>")


def _twiml(body: str) -> web.Response:
    if not body.startswith("<?xml"):
        body = '<?xml version="1.0" encoding="UTF-8"?>' + body
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


def sms_text(text: str, options: list[str] | tuple[str, ...]) -> str:
    """The reply as one SMS body: the options as a numbered list (a customer answers
    with the number), cut to what Twilio accepts."""
    body = text.strip()
    if options:
        body += "\n\n" + "\n".join(f"{i}. {o}" for i, o in enumerate(options, 1))
    return body if len(body) <= MAX_SMS else body[: MAX_SMS - 1] + "…"


class TwilioSmsSender(ChannelSender[TwilioChannel]):
    """Sends ``reply`` rows of channel ``sms`` through Twilio's Messages API.

    Twilio answers 201 with the message resource, or an error as JSON
    (``{"code", "message", "more_info", "status"}``): a 4xx is permanent except 429; a 5xx,
    a timeout or a broken connection is tried again. The row's idempotency key goes along
    as ``I-Twilio-Idempotency-Token``.
    """

    provider = "twilio_sms"
    account_name = "Twilio account"

    def __init__(
        self,
        accounts: Mapping[str, TwilioChannel],
        base_url: str = "https://api.twilio.com",
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        super().__init__(accounts, base_url, options, session)

    @classmethod
    def for_businesses(
        cls,
        businesses: Mapping[str, Business],
        base_url: str = "https://api.twilio.com",
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> TwilioSmsSender:
        accounts = enabled_accounts(businesses, lambda b: channels_of(b).twilio)
        return cls(accounts, base_url, options, session)

    async def _send(self, row: OutboxRow) -> None:
        account = self.account(row)
        to = self.recipient(row)
        form = {
            "To": to,
            "From": account.from_number,
            "Body": sms_text(
                str(row.payload.get("text", "")), [str(o) for o in row.payload.get("options") or ()]
            ),
        }
        url = f"{self.base_url}/2010-04-01/Accounts/{account.account_sid}/Messages.json"
        credentials = f"{account.account_sid}:{account.auth_token}".encode()
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
            "I-Twilio-Idempotency-Token": row.idempotency_key,
            "Accept": "application/json",
        }
        async with self._post(url, data=form, headers=headers) as r:
            if r.status < 300:
                sid = (await response_json(r)).get("sid", "")
                log.info("sms sent", extra={"row": row.id, "business": row.business, "sid": sid})
                return
            error = await response_json(r)
            what = (
                f"Twilio answered {r.status}: code {error.get('code', '?')}: "
                f"{error.get('message', '')}"
            ).strip()
            raise ProviderStatusError(what, r.status, error.get("code"), error)


__all__ = [
    "EMPTY_TWIML",
    "MAX_BODY",
    "SignedForm",
    "SmsForm",
    "Stripped",
    "TwilioForm",
    "TwilioSmsSender",
    "read_form",
    "required",
    "routes",
    "signed_form",
    "signed_url",
    "sms_text",
]
