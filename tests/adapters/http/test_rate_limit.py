"""The rate limiter: a sliding window per sender and per business; over the limit one
polite reply, then silence, and room again once the window has passed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.http.server import RateLimiter


def test_over_the_sender_limit_one_warning_then_silence_then_room_again() -> None:
    limiter = RateLimiter(per_sender=3, per_business=100, window_s=60)
    verdicts = [limiter.check("salon", "+1", now=float(t)) for t in range(6)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert limiter.check("salon", "+2", now=6.0) == "ok"  # another sender is not affected
    # at 61 s the messages of 0 s and 1 s have left the window: room for two
    assert [limiter.check("salon", "+1", now=t) for t in (61.0, 61.5, 61.6, 61.7)] == [
        "ok",
        "ok",
        "warn",
        "drop",
    ]  # full again: warned afresh, once


def test_the_business_limit_holds_across_senders() -> None:
    limiter = RateLimiter(per_sender=100, per_business=5, window_s=10)
    verdicts = [limiter.check("salon", f"+{i}", now=0.0) for i in range(7)]
    assert verdicts == ["ok"] * 5 + ["warn", "warn"]  # each sender hears it once
    assert limiter.check("bakery", "+1", now=0.0) == "ok"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(0, 1)), max_size=80),
    st.integers(1, 5),
)
def test_no_sender_gets_more_than_its_limit_into_any_window(
    arrivals: list[tuple[str, float]], limit: int
) -> None:
    limiter = RateLimiter(per_sender=limit, per_business=1000, window_s=10)
    now, accepted = 0.0, {}
    for sender, gap in arrivals:
        now += gap
        if limiter.check("salon", sender, now=now) == "ok":
            accepted.setdefault(sender, []).append(now)
    for times in accepted.values():
        for i, t in enumerate(times):
            assert sum(1 for u in times[i:] if u < t + 10) <= limit


def test_the_limits_come_from_the_environment() -> None:
    import pytest

    from adapters.settings import Settings, SettingsError

    default = Settings.from_env({})
    assert (default.rate_per_sender, default.rate_per_business) == (20, 600)
    chosen = Settings.from_env(
        {"FRONTDESK_RATE_PER_SENDER": "5", "FRONTDESK_RATE_PER_BUSINESS": "100"}
    )
    assert (chosen.rate_per_sender, chosen.rate_per_business) == (5, 100)
    for bad in ("0", "-1", "many"):
        with pytest.raises(SettingsError, match="FRONTDESK_RATE_PER_SENDER"):
            Settings.from_env({"FRONTDESK_RATE_PER_SENDER": bad})
