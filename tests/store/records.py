"""Small builders for the store tests: times relative to one fixed instant, appointments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from engine.ports import Appointment, AppointmentId, CustomerId

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes: int) -> datetime:
    """NOW plus some minutes: short, readable appointment times."""
    return NOW + timedelta(minutes=minutes)


def appointment(
    id: str, start: int, end: int, staff: str = "ana", business: str = "salon", **kw: Any
) -> Appointment:
    return Appointment(
        id=AppointmentId(id),
        business=business,
        service="cut",
        staff=staff,
        start=at(start),
        end=at(end),
        customer_id=CustomerId(kw.pop("customer_id", "c1")),
        **kw,
    )
