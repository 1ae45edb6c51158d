"""The provider accounts of a business's channels: Twilio (SMS and voice), Telegram and
WhatsApp.

A business file's ``channels:`` section holds the credentials of each channel, as
``${VARIABLE}`` references filled from the environment when the file is read. They are
configuration of the edge: the engine carries the section in :class:`engine.business.Business`
untyped and never reads it; here it is typed and validated. :class:`BusinessWithChannels` — the
engine's :class:`~engine.business.Business` with this section typed — is the model a business
file is validated against (``adapters.business_files``) and published as JSON Schema
(``frontdesk business schema``); the channel adapters read a business's accounts with
:func:`channels_of`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from engine.business import Business


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TwilioChannel(_Model):
    """A Twilio account the business's SMS number belongs to. The token signs Twilio's
    webhooks and authenticates replies; write it as ``${TWILIO_AUTH_TOKEN}``. An empty
    token (an unset variable's empty default) leaves the channel switched off."""

    account_sid: str = Field(description="the Twilio account's SID, e.g. ${TWILIO_ACCOUNT_SID:-}")
    auth_token: str = Field(
        repr=False,
        description="the account's auth token, as "
        "${TWILIO_AUTH_TOKEN:-} (never written in the file)",
    )
    from_number: str = Field(
        description="the business's Twilio number replies are sent from, e.g. +15035550100"
    )
    voice: str | dict[str, str] = Field(
        default="",
        description="the voice phone calls are spoken in: one for every language "
        "(Polly.Joanna) or one per language ({en: Polly.Joanna, de: "
        "Polly.Vicki}); unset: a default per language",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_number)


class TelegramChannel(_Model):
    """The business's Telegram bot. ``bot_token`` (from @BotFather) authenticates replies;
    ``secret_token`` is the one given to ``setWebhook``, which Telegram sends back in
    ``X-Telegram-Bot-Api-Secret-Token`` on every update. Write both as ``${VAR}``; either
    empty (an unset variable's empty default) leaves the channel switched off."""

    bot_token: str = Field(
        default="",
        repr=False,
        pattern=r"^(\d+:[A-Za-z0-9_-]+)?$",
        description="the bot's token from @BotFather, as ${VARIABLE:-}",
    )
    secret_token: str = Field(
        default="",
        repr=False,
        pattern=r"^[A-Za-z0-9_-]{0,256}$",
        description="the secret given to setWebhook (1-256 of A-Z, "
        "a-z, 0-9, _ and -), as ${VARIABLE:-}",
    )

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.secret_token)


class WhatsAppChannel(_Model):
    """The business's WhatsApp number on Meta's Cloud API. ``access_token`` authenticates
    replies, ``app_secret`` signs Meta's webhooks (``X-Hub-Signature-256``) and
    ``verify_token`` answers Meta's subscription check. Write the secrets as ``${VAR}``;
    any of the four empty (an unset variable's empty default) leaves the channel off."""

    phone_number_id: str = Field(
        default="", description="the WhatsApp number's id in Meta's Cloud API"
    )
    access_token: str = Field(
        default="", repr=False, description="authenticates replies, as ${VARIABLE:-}"
    )
    app_secret: str = Field(
        default="",
        repr=False,
        description="the app secret Meta signs its webhooks with, as ${VARIABLE:-}",
    )
    verify_token: str = Field(
        default="",
        repr=False,
        description="the token Meta's subscription check sends back, as ${VARIABLE:-}",
    )

    @property
    def enabled(self) -> bool:
        return bool(
            self.phone_number_id and self.access_token and self.app_secret and self.verify_token
        )


class Channels(_Model):
    """Provider accounts of the business's channels (each optional)."""

    twilio: TwilioChannel | None = Field(
        default=None, description="SMS and phone calls through Twilio"
    )
    telegram: TelegramChannel | None = Field(default=None, description="a Telegram bot")
    whatsapp: WhatsAppChannel | None = Field(
        default=None, description="a WhatsApp number on Meta's Cloud API"
    )


# A business as its file describes it: the engine's Business with the channels' accounts
# typed. The field keeps its place (in the file's schema and reference), and the schema keeps
# the business's title and description.
class BusinessWithChannels(Business):
    __doc__ = Business.__doc__
    model_config = ConfigDict(title="Business")

    channels: Channels = Field(
        default=Channels(),
        description="provider accounts of the "
        "business's SMS, voice, WhatsApp and Telegram channels, each "
        "off until its secrets are set",
    )


def channels_of(business: Business) -> Channels:
    """The channels' accounts of ``business`` (none when it was not read from a file)."""
    return business.channels if isinstance(business.channels, Channels) else Channels()


__all__ = [
    "BusinessWithChannels",
    "Channels",
    "TelegramChannel",
    "TwilioChannel",
    "WhatsAppChannel",
    "channels_of",
]
