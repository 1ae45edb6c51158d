"""A business's configuration as a typed, frozen model.

One YAML file per business (see ``examples/businesses/``) validates into :class:`Business`.
Loading (file reading, ``${ENV}`` interpolation, line numbers in errors) lives in
``engine.config_loader``; this module is pure data plus small pure helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from language.types import Lang

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Text = dict[str, str]


Path = tuple[str | int, ...]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScheduleError(ValueError):
    """Schedule problems, each at a path below the model that raises it.

    Pydantic reports a model validator's error at the model itself; the config loader reads
    ``problems`` to point every problem at its own entry's line (``staff[1].time_off[2]``).
    """

    def __init__(self, problems: Sequence[tuple[Path, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(reason for _, reason in self.problems))


class Interval(_Model):
    """A local-time interval within one day, ``start < end``."""

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _written_as_text(cls, v: Any) -> Any:
        # pydantic reads a number as seconds since midnight *in UTC* (and a YAML 1.1 reader
        # turns 08:00 into 480): refuse numbers rather than accept a wrong, aware time.
        if isinstance(v, int | float):
            raise ValueError("write a time as 'HH:MM', e.g. '08:00'")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("opening times are local wall-clock times; drop the UTC offset")
        if not self.start < self.end:
            raise ValueError(f"interval start {self.start} must be before end {self.end}")
        return self


class DayHours(_Model):
    """Opening hours of one weekday: open intervals (breaks are the gaps between them)."""

    open: tuple[Interval, ...] = ()


class Service(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: Text  # per language
    duration_min: int = Field(gt=0, le=24 * 60)
    price: Text  # price text per language, e.g. {"en": "$65"} or "covered by insurance"
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    buffer_min: int = Field(default=0, ge=0)
    emergency: bool = False  # the service used for emergency appointments

    def display(self, lang: str) -> str:
        return self.name.get(lang) or next(iter(self.name.values()))


_WHEN_HOW = "write a date as 2026-12-01 or a local time as '2026-12-01 13:00'"


class TimeOff(_Model):
    """A staff member's absence, in local wall-clock time of the business.

    A date means whole days, both ends included: ``{start: 2026-12-01, end: 2026-12-05}`` is
    1 to 5 December. A local date-time (``"2026-12-01 13:00"``) is a moment, the end one
    exclusive: ``{start: "2026-12-01 13:00", end: "2026-12-01 17:00"}`` is an afternoon. The
    two may be mixed. A lone date (``- 2026-12-24``) is that one day.
    """

    start: datetime | date
    end: datetime | date

    @model_validator(mode="before")
    @classmethod
    def _one_day(cls, v: Any) -> Any:
        if isinstance(v, date) and not isinstance(v, datetime):
            return {"start": v, "end": v}
        if isinstance(v, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", v):
            return {"start": v, "end": v}
        return v

    @field_validator("start", "end", mode="before")
    @classmethod
    def _local_moment(cls, v: Any) -> Any:
        if isinstance(v, bool | int | float):
            raise ValueError(_WHEN_HOW)
        if isinstance(v, str):
            text = v.strip()
            try:
                v = (date.fromisoformat(text) if len(text) == 10
                     else datetime.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{text!r} is not a date or a local time; {_WHEN_HOW}") from None
        if isinstance(v, datetime) and v.tzinfo is not None:
            raise ValueError("time off is in local wall-clock time; drop the UTC offset")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> TimeOff:
        if not self.begins < self.ends:
            raise ValueError(f"time off {self.shown()}: the end must be after the start")
        return self

    @property
    def begins(self) -> datetime:
        """The first local moment off (naive wall time)."""
        if isinstance(self.start, datetime):
            return self.start
        return datetime.combine(self.start, time(0))

    @property
    def ends(self) -> datetime:
        """The first local moment back at work (naive wall time; a date end is included)."""
        if isinstance(self.end, datetime):
            return self.end
        return datetime.combine(self.end + timedelta(days=1), time(0))

    def shown(self) -> str:
        """``2026-12-01 – 2026-12-05`` or ``2026-12-01 13:00 – 2026-12-01 17:00``."""
        def one(v: date) -> str:
            return f"{v:%Y-%m-%d %H:%M}" if isinstance(v, datetime) else v.isoformat()

        return one(self.start) if self.start == self.end else f"{one(self.start)} – {one(self.end)}"


class Staff(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: str
    services: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    hours: dict[Weekday, DayHours] | None = None  # default: the business's hours
    time_off: tuple[TimeOff, ...] = ()  # holidays, sick days, a dentist's appointment

    @model_validator(mode="after")
    def _time_off_apart(self) -> Staff:
        """Two entries of time off that overlap are a mistake in the file: say which two."""
        problems: list[tuple[Path, str]] = []
        order = sorted(range(len(self.time_off)), key=lambda i: (self.time_off[i].begins, i))
        for pos, i in enumerate(order):
            for j in order[pos + 1:]:
                a, b = self.time_off[i], self.time_off[j]
                if b.begins >= a.ends:
                    break
                first, second = sorted((i, j))
                problems.append((("time_off", second), (
                    f"time off of staff {self.id!r} overlaps: time_off[{first}]"
                    f" ({self.time_off[first].shown()}) and time_off[{second}]"
                    f" ({self.time_off[second].shown()}); merge them into one entry")))
        if problems:
            raise ScheduleError(problems)
        return self


class Department(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: Text
    phone: str
    aliases: tuple[str, ...] = ()
    after_hours: bool = False  # reachable outside opening hours (on-call line)


class FaqItem(_Model):
    id: str
    question: Text
    answer: Text
    keywords: tuple[str, ...] = ()


class WebhookDelivery(_Model):
    url: str
    secret: str = Field(min_length=8)


class MessageDelivery(_Model):
    file: str | None = None  # path of a JSON-lines file messages are appended to
    webhook: WebhookDelivery | None = None


class TwilioChannel(_Model):
    """A Twilio account the business's SMS number belongs to. The token signs Twilio's
    webhooks and authenticates replies; write it as ``${TWILIO_AUTH_TOKEN}``. An empty
    token (an unset variable's empty default) leaves the channel switched off."""

    account_sid: str
    auth_token: str = Field(repr=False)
    from_number: str  # the business's Twilio number replies are sent from, e.g. +15035550100
    # the voice phone calls are spoken in: one for every language ("Polly.Joanna") or one
    # per language ({en: Polly.Joanna, de: Polly.Vicki}); unset, a default per language
    voice: str | dict[str, str] = ""

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.from_number)


class TelegramChannel(_Model):
    """The business's Telegram bot. ``bot_token`` (from @BotFather) authenticates replies;
    ``secret_token`` is the one given to ``setWebhook``, which Telegram sends back in
    ``X-Telegram-Bot-Api-Secret-Token`` on every update. Write both as ``${VAR}``; either
    empty (an unset variable's empty default) leaves the channel switched off."""

    bot_token: str = Field(default="", repr=False, pattern=r"^(\d+:[A-Za-z0-9_-]+)?$")
    # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -
    secret_token: str = Field(default="", repr=False, pattern=r"^[A-Za-z0-9_-]{0,256}$")

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.secret_token)


class WhatsAppChannel(_Model):
    """The business's WhatsApp number on Meta's Cloud API. ``access_token`` authenticates
    replies, ``app_secret`` signs Meta's webhooks (``X-Hub-Signature-256``) and
    ``verify_token`` answers Meta's subscription check. Write the secrets as ``${VAR}``;
    any of the four empty (an unset variable's empty default) leaves the channel off."""

    phone_number_id: str = ""
    access_token: str = Field(default="", repr=False)
    app_secret: str = Field(default="", repr=False)
    verify_token: str = Field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        return bool(self.phone_number_id and self.access_token and self.app_secret
                    and self.verify_token)


class Channels(_Model):
    """Provider accounts of the business's channels (each optional)."""

    twilio: TwilioChannel | None = None
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None


class EmergencyPolicy(_Model):
    """What happens on an emergency (DEMO.md fixes this per business)."""

    during_hours_transfer: str | None = None  # department id to transfer to when open
    after_hours_transfer: str | None = None  # department id reachable at any hour
    after_hours_phone: str | None = None  # a number to give outside opening hours
    after_hours_take_message: bool = False
    keywords: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # extra per language
    hazard_instructions: dict[str, Text] = Field(default_factory=dict)  # e.g. {"gas": {...}}


class ChangePolicy(_Model):
    """Reschedule/cancel policy: a late change is allowed but the fee is read first."""

    late_window_hours: int = Field(default=0, ge=0)
    late_fee: Text = Field(default_factory=dict)  # e.g. {"en": "$25"}


class BookingPolicy(_Model):
    slot_step_min: int = Field(default=15, gt=0)
    horizon_days: int = Field(default=60, gt=0)
    min_notice_min: int = Field(default=60, ge=0)
    offer_count: int = Field(default=3, gt=0, le=6)


class TopicUse(_Model):
    """A bundled card template the business uses, with shallow overrides of its keys."""

    card: str
    override: dict[str, Any] = Field(default_factory=dict)  # replaces whole top-level keys
    extra_examples: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # added per language


class WebChat(_Model):
    """How the web chat greets a visitor (``webchat:`` in the business file; optional).

    ``greeting``: the chat's first words per language, e.g. ``{en: "Hi, this is Bloom!
    How can we help?", de: ...}``; a language left out gets the default greeting. The
    chat shows it when it opens, with buttons for what the desk can do; it is not a
    turn (nothing is recorded until the customer writes).
    """

    greeting: dict[Lang, str] = Field(default_factory=dict)

    @field_validator("greeting")
    @classmethod
    def _short(cls, v: dict[Lang, str]) -> dict[Lang, str]:
        for lang, words in v.items():
            if not words.strip() or len(words) > 500:
                raise ValueError(f"greeting.{lang}: 1 to 500 characters of text")
        return {lang: words.strip() for lang, words in v.items()}


LanguageMode = Literal["offline", "llm", "hybrid"]
Provider = Literal["openai", "openai-compatible", "transformers", "llamacpp"]


class LanguageConfig(_Model):
    """Which language backend a business uses (``language:`` in its file; unset, the
    global default of the settings applies).

    ``offline`` needs nothing else. ``llm`` and ``hybrid`` need a ``provider``: ``openai``
    or ``openai-compatible`` (Ollama, vLLM, a llama.cpp server: give ``base_url``) with a
    ``model`` name and the *name* of the environment variable holding the key
    (``api_key_env``; the key itself never goes in a file), or a local model —
    ``transformers`` (``model``: a directory, a ``.gguf`` file, or ``smollm2`` for the
    packaged SmolLM2-135M-Instruct) or ``llamacpp`` (a ``.gguf`` file or ``smollm2``).
    ``wording``: who words the replies — ``model``, ``template``, or ``auto`` (the model in
    ``llm`` mode, the templates in ``hybrid`` mode).
    """

    mode: LanguageMode = "offline"
    provider: Provider | None = None
    model: str = Field(default="", max_length=500)
    base_url: str = Field(default="", max_length=500)
    timeout_s: float = Field(default=10.0, gt=0, le=600)
    api_key_env: str = Field(default="", pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$")
    wording: Literal["auto", "model", "template"] = "auto"

    @model_validator(mode="after")
    def _complete(self) -> LanguageConfig:
        if self.mode == "offline":
            return self
        if self.provider is None:
            raise ValueError(f"mode {self.mode} needs a provider: openai, openai-compatible, "
                             "transformers or llamacpp")
        if self.provider == "openai-compatible" and not self.base_url:
            raise ValueError("provider openai-compatible needs base_url, e.g. "
                             "http://127.0.0.1:11434/v1")
        if self.base_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", self.base_url):
            raise ValueError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        if self.provider in ("openai", "openai-compatible") and not self.model:
            raise ValueError(f"provider {self.provider} needs a model name")
        return self


class Business(_Model):
    slug: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    name: str
    kind: Literal["dental", "salon", "trades", "consulting", "other"] = "other"
    city: str = ""
    timezone: str
    languages: tuple[Lang, ...] = Field(min_length=1)
    phone_region: str = Field(pattern=r"^[A-Z]{2}$")
    hours: dict[Weekday, DayHours]
    closures: tuple[date, ...] = ()
    closures_yearly: tuple[str, ...] = ()  # "MM-DD", e.g. "12-24"
    staff: tuple[Staff, ...]
    services: tuple[Service, ...]
    departments: tuple[Department, ...] = ()
    faq: tuple[FaqItem, ...] = ()
    messages: MessageDelivery = MessageDelivery()
    emergency: EmergencyPolicy = EmergencyPolicy()
    changes: ChangePolicy = ChangePolicy()
    booking: BookingPolicy = BookingPolicy()
    topics: tuple[TopicUse, ...]
    records_calls: bool = False
    channels: Channels = Channels()
    language: LanguageConfig | None = None  # None: the global default (settings)
    webchat: WebChat = WebChat()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {v!r}") from e
        return v

    @model_validator(mode="after")
    def _references_resolve(self) -> Business:
        services = {s.id for s in self.services}
        for member in self.staff:
            unknown = [s for s in member.services if s not in services]
            if unknown:
                raise ValueError(f"staff {member.id!r} does a service that does not exist: {unknown}")
        departments = {d.id for d in self.departments}
        for ref in (self.emergency.during_hours_transfer, self.emergency.after_hours_transfer):
            if ref is not None and ref not in departments:
                raise ValueError(f"emergency policy names an unknown department {ref!r}")
        for d in self.closures_yearly:
            if len(d) != 5 or d[2] != "-":
                raise ValueError(f"closures_yearly entries are 'MM-DD', got {d!r}")
        problems = list(_schedule_problems(self))
        if problems:
            raise ScheduleError(problems)
        return self

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)

    def staff_member(self, staff_id: str) -> Staff:
        for s in self.staff:
            if s.id == staff_id:
                return s
        raise KeyError(staff_id)

    def department(self, dept_id: str) -> Department:
        for d in self.departments:
            if d.id == dept_id:
                return d
        raise KeyError(dept_id)

    def is_closed_on(self, day: date) -> bool:
        return day in self.closures or day.strftime("%m-%d") in self.closures_yearly

    def hours_of(self, staff: Staff | None, day: date) -> tuple[Interval, ...]:
        """Open intervals of a day for the business, or for one staff member.

        Closures are applied; a staff member's time off is not (it is not whole days).
        """
        if self.is_closed_on(day):
            return ()
        return self.week_hours_of(staff, WEEKDAYS[day.weekday()])

    def week_hours_of(self, staff: Staff | None, weekday: Weekday) -> tuple[Interval, ...]:
        """The regular open intervals of a weekday (no closures), for the business or a member."""
        table = staff.hours if staff is not None and staff.hours is not None else self.hours
        own = table.get(weekday, DayHours()).open
        if staff is None or staff.hours is None:
            return own
        # a staff member works only within the business's own hours
        biz = self.hours.get(weekday, DayHours()).open
        out: list[Interval] = []
        for a in own:
            for b in biz:
                s, e = max(a.start, b.start), min(a.end, b.end)
                if s < e:
                    out.append(Interval(start=s, end=e))
        return tuple(out)


def windows(intervals: Sequence[Interval]) -> list[tuple[int, int]]:
    """Intervals as minutes of the day, touching or overlapping ones merged into one window."""
    out: list[tuple[int, int]] = []
    for iv in sorted(intervals, key=lambda iv: iv.start):
        start, end = iv.start.hour * 60 + iv.start.minute, iv.end.hour * 60 + iv.end.minute
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _schedule_problems(b: Business) -> Iterator[tuple[Path, str]]:
    """Services nobody does, and services longer than any window their staff work in.

    A window is a stretch of working time in the regular week (breaks split a day into
    windows); closures and time off are not counted, they are not the typical week.
    """
    for i, service in enumerate(b.services):
        doers = [m for m in b.staff if service.id in m.services]
        if not doers:
            yield ("services", i, "id"), (
                f"service {service.id!r} is done by no staff member"
                " (add it to the services of someone who does it)")
            continue
        longest, where = 0, ""
        for member in doers:
            for weekday in WEEKDAYS:
                for start, end in windows(b.week_hours_of(member, weekday)):
                    if end - start > longest:
                        longest = end - start
                        where = f"{member.id} on {weekday} {_clock(start)}–{_clock(end)}"
        if longest == 0:
            yield ("services", i, "duration_min"), (
                f"service {service.id!r}: the staff who do it"
                f" ({', '.join(m.id for m in doers)}) have no working hours in the week")
        elif service.duration_min > longest:
            yield ("services", i, "duration_min"), (
                f"service {service.id!r} takes {service.duration_min} min, longer than any"
                f" opening window of the staff who do it (the longest is {longest} min:"
                f" {where})")
