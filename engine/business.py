"""A business's configuration as a typed, frozen model.

One YAML file per business (see ``examples/businesses/``) validates into :class:`Business`.
Loading (file reading, ``${ENV}`` interpolation, line numbers in errors) lives in
``engine.config_loader``; this module is pure data plus small pure helpers.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from language.types import Lang

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Text = dict[str, str]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class Staff(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: str
    services: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    hours: dict[Weekday, DayHours] | None = None  # default: the business's hours


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
        """Open intervals of a day for the business, or for one staff member."""
        if self.is_closed_on(day):
            return ()
        weekday = WEEKDAYS[day.weekday()]
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
