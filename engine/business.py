"""A business's configuration as a typed, frozen model.

One YAML file per business (the demo ones are in ``adapters/demo/businesses/``) validates
into :class:`Business`. Loading (file reading, ``${ENV}`` interpolation, line numbers in
errors) is done at the edge, in ``adapters.business_files``, and so are the channels'
provider accounts (``adapters.channels``); the checks across sections (a staff member's
service that does not exist, overlapping time off, a service longer than every window) live
in ``engine.business_checks``; this module is pure data plus small pure helpers.

Every field carries a ``description``: the JSON Schema (``frontdesk business schema``) and
the field reference ``docs/business-file.md`` are generated from them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from language.types import Lang
from rules.errors import FrontdeskError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Text = dict[str, str]


Path = tuple[str | int, ...]
_ID = r"^[a-z][a-z0-9_]{0,39}$"  # ids of services, staff and departments


def _month_day(value: str) -> str:
    """A day of every year, ``MM-DD`` (29 February allowed)."""
    if not re.fullmatch(r"\d\d-\d\d", value):
        raise ValueError(f"closures_yearly entries are 'MM-DD', got {value!r}")
    try:
        date(2024, int(value[:2]), int(value[3:]))  # a leap year
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the year (MM-DD)") from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScheduleError(FrontdeskError, ValueError):
    """Problems across entries (references, schedules), each at a path below the model that
    raises it.

    Pydantic reports a model validator's error at the model itself; the config loader reads
    ``problems`` to point every problem at its own entry's line (``staff[1].time_off[2]``).
    """

    def __init__(self, problems: Sequence[tuple[Path, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(reason for _, reason in self.problems))


class Interval(_Model):
    """A stretch of local wall-clock time within one day; the start is before the end."""

    start: time = Field(description="when it begins, as 'HH:MM' (e.g. '09:00')")
    end: time = Field(description="when it ends, as 'HH:MM'; after the start, on the same day")

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

    open: tuple[Interval, ...] = Field(
        default=(),
        description="the open intervals of the day, e.g. a morning and an "
        "afternoon around a lunch break; empty: closed that day",
    )


class Service(_Model):
    """Something a customer can book."""

    id: str = Field(
        pattern=_ID,
        description="a short name used inside the file (staff "
        "list the ids of the services they do): lower case, digits and _",
    )
    name: Text = Field(description="what the desk calls it, per language: {en: men's haircut}")
    duration_min: int = Field(
        gt=0,
        le=24 * 60,
        description="how long an appointment takes, "
        "in minutes; it must fit in a working window of its staff",
    )
    price: Text = Field(
        description="the price as the desk says it, per language: {en: $35} or {de: Kassenleistung}"
    )
    aliases: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="other words customers use for it, per language: {en: [trim, haircut]}",
    )
    buffer_min: int = Field(
        default=0,
        ge=0,
        description="minutes kept free after each appointment (cleaning up, travel)",
    )
    emergency: bool = Field(
        default=False, description="the service booked for emergencies (at most one)"
    )

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

    start: datetime | date = Field(
        description="the first day off (2026-12-01) or the first moment off ('2026-12-01 13:00')"
    )
    end: datetime | date = Field(
        description="the last day off, included (2026-12-05), or the "
        "moment back at work ('2026-12-01 17:00')"
    )

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
                v = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
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
    """A person customers can be booked with."""

    id: str = Field(
        pattern=_ID, description="a short name used inside the file: lower case, digits and _"
    )
    name: str = Field(description="the name the desk says and customers may ask for")
    services: tuple[str, ...] = Field(description="the ids of the services this person does")
    aliases: tuple[str, ...] = Field(
        default=(), description="other names customers use: [Dr. Sommer, Lena]"
    )
    hours: dict[Weekday, DayHours] | None = Field(
        default=None,
        description="this person's own working hours, per weekday (only within "
        "the business's hours); unset: the business's hours",
    )
    time_off: tuple[TimeOff, ...] = Field(
        default=(),
        description="holidays, sick days, an afternoon off: whole days "
        "(2026-12-24, or {start: 2026-12-01, end: 2026-12-05}) or "
        "local times ({start: '2026-12-01 13:00', end: "
        "'2026-12-01 17:00'}); entries must not overlap",
    )

    @model_validator(mode="after")
    def _time_off_apart(self) -> Staff:
        """Two entries of time off that overlap are a mistake in the file: say which two."""
        problems = time_off_overlaps(self.id, list(enumerate(self.time_off)))
        if problems:
            raise ScheduleError(problems)
        return self


def time_off_overlaps(
    staff_id: object, entries: Sequence[tuple[int, TimeOff]]
) -> list[tuple[Path, str]]:
    """Each pair of overlapping entries of one person's time off, at the later entry's
    path (``("time_off", index)``); ``entries`` are ``(index in the file, entry)``."""
    problems: list[tuple[Path, str]] = []
    order = sorted(entries, key=lambda e: (e[1].begins, e[0]))
    for pos, (i, a) in enumerate(order):
        for j, b in order[pos + 1 :]:
            if b.begins >= a.ends:
                break
            (first, one), (second, two) = sorted(((i, a), (j, b)), key=lambda e: e[0])
            problems.append(
                (
                    ("time_off", second),
                    (
                        f"time off of staff {staff_id!r} overlaps: time_off[{first}]"
                        f" ({one.shown()}) and time_off[{second}]"
                        f" ({two.shown()}); merge them into one entry"
                    ),
                )
            )
    return problems


class Department(_Model):
    """A phone line the desk can hand a caller over to (front desk, billing, on call)."""

    id: str = Field(
        pattern=_ID,
        description="a short name used inside the file (the "
        "emergency policy names it): lower case, digits and _",
    )
    name: Text = Field(description="what the desk calls it, per language: {en: front desk}")
    phone: str = Field(
        description="its phone number, international form: '+15035550140' "
        "(quoted, or YAML reads a number)"
    )
    aliases: tuple[str, ...] = Field(
        default=(), description="other words customers use for it: [reception, billing]"
    )
    after_hours: bool = Field(
        default=False, description="reachable outside opening hours (an on-call line)"
    )


class FaqItem(_Model):
    """A question customers ask, with the business's own answer (the desk answers with
    these words and nothing else)."""

    id: str = Field(description="a short name for the entry")
    question: Text = Field(description="the question, per language")
    answer: Text = Field(description="the answer the desk gives, per language")
    keywords: tuple[str, ...] = Field(
        default=(), description="words that point to this entry: [parking, car, garage]"
    )


class WebhookDelivery(_Model):
    """An HTTPS endpoint taken messages are POSTed to, signed with a shared secret."""

    url: str = Field(description="the endpoint, e.g. ${MESSAGES_WEBHOOK_URL}")
    secret: str = Field(
        min_length=8,
        description="signs each delivery (HMAC-SHA256); at least 8 characters, best as ${VARIABLE}",
    )


class MessageDelivery(_Model):
    """Where a message the desk takes for the business goes (either, both or neither)."""

    file: str | None = Field(
        default=None,
        description="a JSON-lines file each message is "
        "appended to (relative to the directory frontdesk runs in)",
    )
    webhook: WebhookDelivery | None = Field(
        default=None, description="a signed webhook each message is sent to"
    )


class EmergencyPolicy(_Model):
    """What happens when a customer has an emergency."""

    during_hours_transfer: str | None = Field(
        default=None, description="the id of the department an emergency is handed to when open"
    )
    after_hours_transfer: str | None = Field(
        default=None, description="the id of a department reachable at any hour (on call)"
    )
    after_hours_phone: str | None = Field(
        default=None,
        description="a number to give outside opening hours, e.g. an emergency service",
    )
    after_hours_take_message: bool = Field(
        default=False, description="outside opening hours, offer to take a message"
    )
    keywords: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="extra words that mean an emergency here, per "
        "language: {en: [burst pipe, flooding]}",
    )
    hazard_instructions: dict[str, Text] = Field(
        default_factory=dict,
        description="what to tell a caller first, per hazard and "
        "language: {gas: {en: Leave the building now ...}}",
    )


class ChangePolicy(_Model):
    """Rescheduling and cancelling: a late change is allowed, but the desk reads the fee
    first."""

    late_window_hours: int = Field(
        default=0,
        ge=0,
        description="a change this many hours or fewer before the appointment is late; 0: never",
    )
    late_fee: Text = Field(
        default_factory=dict,
        description="the late-change fee as the desk says it, per language: {en: $25}",
    )


class BookingPolicy(_Model):
    """Which times the desk offers."""

    slot_step_min: int = Field(
        default=15,
        gt=0,
        description="appointments start on this grid of minutes (15: 9:00, 9:15, ...)",
    )
    horizon_days: int = Field(default=60, gt=0, description="how many days ahead can be booked")
    min_notice_min: int = Field(
        default=60, ge=0, description="the earliest slot is this many minutes from now"
    )
    offer_count: int = Field(
        default=3, gt=0, le=6, description="how many times the desk offers at once (1-6)"
    )


_TEN_YEARS = 3653


class Retention(_Model):
    """How long the desk keeps what it holds about people (``retention:`` in the business
    file; optional: the defaults apply). ``frontdesk retention sweep``, and ``serve`` once a
    day, erase what is older: a turn's record keeps its place and hash in the audit chain
    and loses everything personal (a tombstone); raw messages, taken messages, sent replies
    and the bursts of messages a rate limit dropped (by their last message, after
    ``conversations_days``) are deleted; an idle conversation forgets who it was with; a
    customer with no appointment and no conversation inside ``customers_days`` is deleted,
    and their appointments keep the booking without name or phone. The one-time codes that
    prove a typed number are deleted a day after they expire, whatever these periods: they
    matter only for the hourly and daily limits on codes and the attempts against the latest
    one."""

    conversations_days: int = Field(
        default=365,
        gt=0,
        le=_TEN_YEARS,
        description="turn records, inbound messages and sent replies older than this many "
        "days are erased (1-3653)",
    )
    messages_days: int = Field(
        default=180,
        gt=0,
        le=_TEN_YEARS,
        description="messages taken for the business are deleted after this many days (1-3653)",
    )
    recordings_days: int = Field(
        default=30,
        gt=0,
        le=_TEN_YEARS,
        description="call recordings are deleted after this many days (1-3653; the desk "
        "makes none yet)",
    )
    customers_days: int = Field(
        default=730,
        gt=0,
        le=_TEN_YEARS,
        description="a customer with no appointment and no conversation in this many days "
        "is deleted (1-3653)",
    )


class TopicUse(_Model):
    """A topic card the business uses (a bundled one or one of your own), with its changes
    for this business."""

    card: str = Field(
        description="the card's id: book, reschedule, cancel, faq, hours, "
        "message, human, emergency, smalltalk, out_of_scope, or one of your own "
        "(the cards setting)"
    )
    override: dict[str, Any] = Field(
        default_factory=dict,
        description="card keys replaced for this business (whole "
        "top-level keys, e.g. required_fields and steps); "
        "checked like a card",
    )
    extra_examples: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="more example sentences for the card's classifier, per language",
    )


class WebChat(_Model):
    """How the web chat greets a visitor (``webchat:`` in the business file; optional).

    ``greeting``: the chat's first words per language, e.g. ``{en: "Hi, this is Bloom!
    How can we help?", de: ...}``; a language left out gets the default greeting. The
    chat shows it when it opens, with buttons for what the desk can do; it is not a
    turn (nothing is recorded until the customer writes).
    """

    greeting: dict[Lang, str] = Field(
        default_factory=dict,
        description="the chat's first "
        "words per language, 1-500 characters; a language "
        "left out gets the default greeting",
    )

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

    mode: LanguageMode = Field(
        default="offline",
        description="offline (no model, no "
        "network), hybrid (a model only for what offline could not "
        "resolve) or llm (a model for every turn)",
    )
    provider: Provider | None = Field(
        default=None, description="where the model runs (needed for hybrid and llm)"
    )
    model: str = Field(
        default="",
        max_length=500,
        description="a provider's model name, a "
        "local directory or .gguf file, or smollm2 (packaged)",
    )
    base_url: str = Field(
        default="",
        max_length=500,
        description="openai-compatible: the server's /v1 URL, e.g. http://127.0.0.1:11434/v1",
    )
    timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="seconds one model call may take; past it the turn is understood offline",
    )
    api_key_env: str = Field(
        default="",
        pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$",
        description="the NAME of the environment variable holding the "
        "API key (openai: OPENAI_API_KEY)",
    )
    wording: Literal["auto", "model", "template"] = Field(
        default="auto",
        description="who words the replies: model, template, or auto (the "
        "model in llm mode, the templates in hybrid mode)",
    )

    @model_validator(mode="after")
    def _complete(self) -> LanguageConfig:
        if self.mode == "offline":
            return self
        if self.provider is None:
            raise ValueError(
                f"mode {self.mode} needs a provider: openai, openai-compatible, "
                "transformers or llamacpp"
            )
        if self.provider == "openai-compatible" and not self.base_url:
            raise ValueError(
                "provider openai-compatible needs base_url, e.g. http://127.0.0.1:11434/v1"
            )
        if self.base_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", self.base_url):
            raise ValueError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        if self.provider in ("openai", "openai-compatible") and not self.model:
            raise ValueError(f"provider {self.provider} needs a model name")
        return self


class Business(_Model):
    """One business: who it is, when it is open, who does what, and what the desk may do.
    Values may be written as ``${VARIABLE}`` or ``${VARIABLE:-default}`` (filled from the
    environment when the file is read)."""

    slug: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,39}$",
        description="the business's name in "
        "URLs and commands (--business SLUG): lower case, digits and -; name "
        "the file SLUG.yaml",
    )
    name: str = Field(description="the business's name as the desk says it")
    kind: Literal["dental", "salon", "trades", "consulting", "other"] = Field(
        default="other", description="what kind of business it is"
    )
    city: str = Field(default="", description="where it is (said in answers about the business)")
    timezone: str = Field(
        description="an IANA time zone, e.g. Europe/Berlin or "
        "America/Los_Angeles; every time in the file is local "
        "to it"
    )
    languages: tuple[Lang, ...] = Field(
        min_length=1,
        description="the languages the desk "
        "speaks here, the first is the default: [en] or "
        "[de, en]",
    )
    phone_region: str = Field(
        pattern=r"^[A-Z]{2}$",
        description="the country phone numbers without a country code belong to: US, DE, ...",
    )
    hours: dict[Weekday, DayHours] = Field(
        description="opening hours per weekday (mon ... "
        "sun); a day that is missing or empty is closed"
    )
    closures: tuple[date, ...] = Field(
        default=(), description="days the business is closed: [2026-08-15, 2026-12-24]"
    )
    closures_yearly: tuple[Annotated[str, AfterValidator(_month_day)], ...] = Field(
        default=(), description="days closed every year, as 'MM-DD': ['12-24', '01-01']"
    )
    staff: tuple[Staff, ...] = Field(description="the people appointments are booked with")
    services: tuple[Service, ...] = Field(
        description="what customers can book; each done by at least one staff member"
    )
    departments: tuple[Department, ...] = Field(
        default=(), description="phone lines the desk can hand callers over to"
    )
    faq: tuple[FaqItem, ...] = Field(
        default=(), description="questions the desk answers from the business's own words"
    )
    messages: MessageDelivery = Field(
        default=MessageDelivery(), description="where messages the desk takes for the business go"
    )
    emergency: EmergencyPolicy = Field(
        default=EmergencyPolicy(), description="what happens when a customer has an emergency"
    )
    changes: ChangePolicy = Field(
        default=ChangePolicy(), description="the policy for rescheduling and cancelling late"
    )
    booking: BookingPolicy = Field(
        default=BookingPolicy(), description="which times the desk offers"
    )
    topics: tuple[TopicUse, ...] = Field(
        description="the topic cards the desk handles for this business, with any changes to them"
    )
    records_calls: bool = Field(
        default=False, description="phone calls are recorded; the voice says so first"
    )
    retention: Retention = Field(
        default=Retention(), description="how long what the desk holds about people is kept"
    )
    # the provider accounts of the business's channels: the file's ``channels:`` section,
    # typed and validated at the edge (``adapters.channels``, whose business model replaces
    # this field in place, so the file keeps its order); a turn never reads them
    channels: Any = Field(
        default=None,
        description="provider accounts of the business's channels (see adapters.channels)",
    )
    language: LanguageConfig | None = Field(
        default=None,
        description="the language backend "
        "of this business; unset: the global setting "
        "(language, language_provider, ...)",
    )
    webchat: WebChat = Field(default=WebChat(), description="how the web chat greets customers")

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
        """The checks across sections, every one at once (``engine.business_checks``)."""
        from .business_checks import cross_check  # it builds on this module's models

        problems = cross_check(self.model_dump())
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
        return week_hours(self.hours, staff.hours if staff is not None else None, weekday)


def week_hours(
    business: dict[Weekday, DayHours], own: dict[Weekday, DayHours] | None, weekday: Weekday
) -> tuple[Interval, ...]:
    """A weekday's regular open intervals: the business's, or a person's ``own`` hours
    within the business's (a staff member works only while the business is open)."""
    biz = business.get(weekday, DayHours()).open
    if own is None:
        return biz
    out: list[Interval] = []
    for a in own.get(weekday, DayHours()).open:
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
