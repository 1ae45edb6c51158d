"""Telegram through the Bot API: the webhook of updates and the sender of replies.

``POST /telegram/{business}`` receives the bot's ``Update`` objects (``setWebhook`` with
``secret_token``; Telegram sends that token back in ``X-Telegram-Bot-Api-Secret-Token``,
compared here in constant time). Two kinds of update reach the desk:

- ``message`` with ``text`` (or a ``caption``): one customer message; ``from.language_code``
  is the language hint when it is ``en`` or ``de``. A message with only a sticker, photo,
  voice note, ... gets the polite "I can only read text here" through the outbox, no turn.
- ``callback_query``: an inline-keyboard button pressed under one of our replies. The
  button's text is the chosen option (``payload["value"]``, like the web chat's buttons),
  and the query is answered (``answerCallbackQuery``, which stops the button's spinner)
  through the outbox as well.

Every other kind of update is acknowledged and ignored. The event's sender is the chat id;
its ``provider_msg_id`` is ``tg-<update_id>``, which Telegram keeps when it redelivers an
update, so a redelivery is one turn and one reply. The webhook answers ``{}`` once the turn
is recorded; replies go out through the outbox (:class:`TelegramSender`, under
``adapters.outbox.ReplyRouter``), the offered options as inline-keyboard buttons.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import aiohttp
from aiohttp import web
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    WrapValidator,
    field_validator,
    model_validator,
)

from adapters.channels import TelegramChannel, channels_of
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

log = logging.getLogger("frontdesk.http.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 64 * 1024  # an update is a few hundred bytes to a few kB
MAX_TEXT = 4096  # sendMessage's limit, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes of an inline button's callback_data
LANGS = ("en", "de")

# what a customer can send that is not text: these get the polite reply (service messages
# such as a pinned message or a member joining a group are ignored)
CONTENT = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "contact",
    "venue",
    "poll",
    "dice",
    "game",
    "story",
)
TEXT_ONLY = {
    "en": "Sorry, I can only read text here. Please type your message.",
    "de": "Entschuldigung, ich kann hier nur Text lesen. Bitte schreiben Sie mir Ihre Nachricht.",
}


def routes(server: Server, now: Clock = utcnow) -> list[web.RouteDef]:
    """The bots' webhook. ``now`` stamps each update's arrival (tests fix it)."""

    async def update(request: web.Request) -> web.Response:
        return await _update(server, request, now)

    return [web.post("/telegram/{business}", update)]


def _ok() -> web.Response:
    return web.json_response({})


def _bad(reason: str) -> web.Response:
    return web.Response(status=400, text=reason)


def secret_matches(given: str, expected: str) -> bool:
    """Constant-time comparison; an empty expected secret matches nothing."""
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


# --------------------------------------------------------------------- the Update object
# Only the fields the desk reads, typed. An optional field of another type than Telegram's
# counts as absent (``or_none``), as the desk can answer without it.

Id = Annotated[StrictInt | None, WrapValidator(or_none)]  # JSON booleans are not ids
Text = Annotated[StrictStr | None, WrapValidator(or_none)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(_Model):
    language_code: Text = None  # an IETF tag such as ``de`` or ``en-US``

    @property
    def lang(self) -> str | None:
        """The language hint, when it is en or de."""
        if self.language_code is None:
            return None
        base = self.language_code.split("-")[0].strip().lower()
        return base if base in LANGS else None


class Chat(_Model):
    id: Id = None


class Button(_Model):
    text: Text = None
    callback_data: Text = None


Row = Annotated[
    list[Annotated[Button | None, WrapValidator(or_none)]] | None, WrapValidator(or_none)
]


class Markup(_Model):
    inline_keyboard: Annotated[list[Row] | None, WrapValidator(or_none)] = None


class Message(_Model):
    chat: Annotated[Chat | None, WrapValidator(or_none)] = None
    sender: Annotated[User | None, WrapValidator(or_none)] = Field(None, alias="from")
    text: Text = None
    caption: Text = None  # a photo with words: the words are read
    date: Id = None
    reply_markup: Annotated[Markup | None, WrapValidator(or_none)] = None
    content: tuple[str, ...] = ()  # which of CONTENT it carries, in CONTENT's order

    @model_validator(mode="before")
    @classmethod
    def _content(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {**data, "content": tuple(key for key in CONTENT if key in data)}
        return data

    @property
    def chat_id(self) -> int | None:
        return self.chat.id if self.chat is not None else None

    @property
    def lang(self) -> str | None:
        return self.sender.lang if self.sender is not None else None


class CallbackQuery(_Model):
    id: StrictStr
    message: Annotated[Message | None, WrapValidator(or_none)] = None
    data: Text = None
    sender: Annotated[User | None, WrapValidator(or_none)] = Field(None, alias="from")

    @property
    def lang(self) -> str | None:
        return self.sender.lang if self.sender is not None else None


class Update(_Model):
    """An update; ``message`` and ``callback_query`` are the two kinds the desk reads, and
    when both are present (Telegram sends one kind per update) the message is."""

    update_id: StrictInt
    message: Message | None = None
    callback_query: CallbackQuery | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "message" in data:
            return {key: value for key, value in data.items() if key != "callback_query"}
        return data

    @field_validator("message", "callback_query", mode="before")
    @classmethod
    def _present_means_an_object(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("an object is expected")
        return value


def _refusal(error: ValidationError) -> str:
    """What the 400 says of an update that is not Telegram's."""
    where = error.errors()[0]["loc"][:1]
    if where == ("message",):
        return "message must be an object"
    if where == ("callback_query",):
        return "callback_query.id is required"
    return "an Update object with an integer update_id is expected"


async def _update(server: Server, request: web.Request, now: Clock) -> web.Response:
    slug = request.match_info["business"]
    brain = server.app.brains.get(slug)
    if brain is None:
        return web.Response(status=404, text="unknown business")
    bot = channels_of(brain.business).telegram
    if bot is None or not bot.enabled:
        log.warning("telegram webhook for a business without a bot", extra={"business": slug})
        return web.Response(status=404, text="Telegram is not set up for this business")
    given = request.headers.get(SECRET_HEADER, "")
    if not secret_matches(given, bot.secret_token):
        server.metrics.signature_failures.labels("telegram").inc()
        log.warning(
            "telegram secret token refused",
            extra={"business": slug, "secret_present": bool(given), "remote": request.remote},
        )
        return web.Response(status=403, text="invalid secret token")
    body = await read_body(request, MAX_BODY)
    if isinstance(body, web.Response):
        return body
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _bad("malformed JSON")
    try:
        update = Update.model_validate(data)
    except ValidationError as e:
        return _bad(_refusal(e))
    msg_id = f"tg-{update.update_id}"
    if update.message is not None:
        return await _message(server, slug, brain.business, update.message, msg_id, now())
    if update.callback_query is not None:
        return await _callback(server, slug, update.callback_query, msg_id, now())
    return _ok()  # edited messages, channel posts, member updates, ...: not for the desk


async def _message(
    server: Server, slug: str, business: Business, message: Message, msg_id: str, at: datetime
) -> web.Response:
    chat = message.chat_id
    if chat is None:
        return _bad("message.chat.id is required")
    lang = message.lang
    text = message.text if message.text is not None else message.caption or ""
    payload: dict[str, str] = {}
    if message.date is not None:
        payload["sent_at"] = datetime.fromtimestamp(message.date, UTC).isoformat()
    unsupported = ""
    if not text.strip():
        kinds = message.content
        if not kinds:
            return _ok()  # a service message (pinned, joined, ...): nobody to answer
        # a sticker, photo, voice note, ...: recorded, answered politely, not understood
        said = lang if lang in business.languages else business.languages[0]
        unsupported = TEXT_ONLY.get(said, TEXT_ONLY["en"])
        payload["type"] = kinds[0]
    event = InboundEvent(
        business=slug,
        channel="telegram",
        sender=str(chat),
        text=text,
        payload=payload,
        provider_msg_id=msg_id,
        received_at=at,
        lang_hint=lang,
    )
    # the reply goes out through the outbox
    await server.inbound(event, direct=False, unsupported=unsupported)
    return _ok()


async def _callback(
    server: Server, slug: str, query: CallbackQuery, msg_id: str, at: datetime
) -> web.Response:
    message = query.message
    chat = message.chat_id if message is not None else None
    data = query.data
    # answered in any case, so the button stops spinning
    await _enqueue(
        server,
        slug,
        str(chat) if chat is not None else "",
        {
            "channel": "telegram",
            "to": str(chat) if chat is not None else "",
            "text": "",
            "options": [],
            "in_reply_to": msg_id,
            "callback_query_id": query.id,
        },
        f"telegram-callback:{slug}:{query.id}",
        at,
    )
    if chat is None or not data:
        return _ok()  # an inline-mode or game button: not one of ours
    event = InboundEvent(
        business=slug,
        channel="telegram",
        sender=str(chat),
        text="",
        payload={"value": _button_text(message, data)},
        provider_msg_id=msg_id,
        received_at=at,
        lang_hint=query.lang,
    )
    await server.inbound(event, direct=False)  # the reply goes out through the outbox
    return _ok()


def _button_text(message: Message | None, data: str) -> str:
    """The pressed button's whole text (its data may be cut to 64 bytes), found in the
    keyboard of the message it sits under; the data itself when it is not there."""
    markup = message.reply_markup if message is not None else None
    rows = markup.inline_keyboard if markup is not None else None
    for row in rows or ():
        for button in row or ():
            if button is not None and button.callback_data == data and button.text:
                return button.text
    return data


async def _reply_row(
    server: Server, slug: str, chat: str, text: str, msg_id: str, at: datetime
) -> None:
    """A reply that needs no turn, as an outbox row keyed like the desk's replies: one per
    update however often Telegram delivers it."""
    await _enqueue(
        server,
        slug,
        chat,
        {"channel": "telegram", "to": chat, "text": text, "options": [], "in_reply_to": msg_id},
        f"reply:{slug}:{msg_id}",
        at,
    )


async def _enqueue(
    server: Server, slug: str, chat: str, payload: dict[str, Any], key: str, at: datetime
) -> None:
    async with server.app.store.transaction(slug, f"telegram:{chat}") as tx:
        await tx.enqueue(
            OutboxRow(
                id=uuid.uuid4().hex,
                business=slug,
                kind="reply",
                payload=payload,
                idempotency_key=key,
                next_attempt_at=at.astimezone(UTC),
            )
        )


# --------------------------------------------------------------------- sending


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` within ``limit`` UTF-16 code units (how Telegram counts), ending in … if cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    out, used = [], 1  # room for the ellipsis
    for ch in text:
        used += len(ch.encode("utf-16-le")) // 2
        if used > limit:
            break
        out.append(ch)
    return "".join(out) + "…"


def callback_data(option: str) -> str:
    """An option as a button's ``callback_data``: at most 64 bytes of UTF-8, whole
    characters only."""
    return option.encode("utf-8")[:MAX_CALLBACK_DATA].decode("utf-8", "ignore")


def buttons_data(options: list[str] | tuple[str, ...]) -> list[str]:
    """Each button's ``callback_data``: its option (a slot's label such as ``Thu 3:00 pm ·
    Sam``, which the desk reads back as that slot), cut to 64 bytes — or, for options that
    cut to the same bytes, the option's position, so a press still tells them apart. A
    press is read back as the whole button text (:func:`_button_text`), and a bare
    position as the ordinal it is."""
    data = [callback_data(o) for o in options]
    return [str(i) if data.count(d) > 1 else d for i, d in enumerate(data, start=1)]


def send_message(chat: str, text: str, options: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The ``sendMessage`` request for a reply: the options as inline-keyboard buttons,
    one per row."""
    body: dict[str, Any] = {
        "chat_id": int(chat) if chat.lstrip("-").isdigit() else chat,
        "text": cut(text.strip()),
    }
    if options:
        body["reply_markup"] = {
            "inline_keyboard": [
                [{"text": cut(o, 256), "callback_data": d}]
                for o, d in zip(options, buttons_data(options), strict=True)
            ]
        }
    return body


class TelegramSender(ChannelSender[TelegramChannel]):
    """Sends ``reply`` rows of channel ``telegram`` through the Bot API: ``sendMessage``,
    or ``answerCallbackQuery`` for a row carrying ``callback_query_id``.

    Telegram answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code",
    "description", "parameters": {"retry_after"}}``: 429 (flood control) and 5xx, a timeout
    or a broken connection are tried again; any other refusal is permanent (a blocked bot,
    an unknown chat, a wrong token). The bot token is part of the URL, so it is kept out of
    every error recorded.
    """

    provider = "telegram"
    account_name = "Telegram bot"

    def __init__(
        self,
        bots: Mapping[str, TelegramChannel],
        base_url: str = "https://api.telegram.org",
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        super().__init__(bots, base_url, options, session)

    @classmethod
    def for_businesses(
        cls,
        businesses: Mapping[str, Business],
        base_url: str = "https://api.telegram.org",
        options: RetryOptions = DEFAULT_RETRY,
        session: aiohttp.ClientSession | None = None,
    ) -> TelegramSender:
        bots = enabled_accounts(businesses, lambda b: channels_of(b).telegram)
        return cls(bots, base_url, options, session)

    async def _send(self, row: OutboxRow) -> None:
        bot = self.account(row)
        query = str(row.payload.get("callback_query_id") or "")
        if query:
            await self._call(bot, row, "answerCallbackQuery", {"callback_query_id": query})
            return
        to, text = self.recipient(row), str(row.payload.get("text", ""))
        if not text.strip():
            raise DeliveryError("reply without text", retryable=False)
        options = [str(o) for o in row.payload.get("options") or ()]
        await self._call(bot, row, "sendMessage", send_message(to, text, options))

    async def _call(
        self, bot: TelegramChannel, row: OutboxRow, method: str, body: dict[str, Any]
    ) -> None:
        url = f"{self.base_url}/bot{bot.bot_token}/{method}"
        try:
            async with self._post(url, json=body) as r:
                data = await response_json(r)
                if r.status < 300 and data.get("ok") is True:
                    log.info(
                        "telegram %s done", method, extra={"row": row.id, "business": row.business}
                    )
                    return
                parameters = data.get("parameters")
                retry_after = (
                    parameters.get("retry_after") if isinstance(parameters, dict) else None
                )
                what = (
                    f"Telegram answered {r.status} to {method}: "
                    f"{data.get('error_code', r.status)} {data.get('description', '')}"
                ).strip()
                if retry_after is not None:
                    what += f" (retry after {retry_after} s)"
                raise ProviderStatusError(
                    what.replace(bot.bot_token, "<token>"), r.status, data.get("error_code"), data
                )
        except aiohttp.ClientError as e:  # its message may hold the URL, token and all
            raise DeliveryError(
                f"{type(e).__name__}: {e}".replace(bot.bot_token, "<token>"), retryable=True
            ) from None


__all__ = [
    "CONTENT",
    "MAX_BODY",
    "SECRET_HEADER",
    "TEXT_ONLY",
    "CallbackQuery",
    "Message",
    "TelegramSender",
    "Update",
    "buttons_data",
    "callback_data",
    "cut",
    "routes",
    "secret_matches",
    "send_message",
]
