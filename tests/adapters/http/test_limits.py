"""The budgets of adapters/http/limits.py: per sender, per client address and per channel of
a business; one warning, then drops counted in bursts; state pruned as it goes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.http.limits import KeyedWindow, RateLimiter


def test_anonymous_web_chat_cannot_use_up_the_budget_of_signed_sms() -> None:
    limiter = RateLimiter(per_sender=1000, per_business=10, per_address=1000, window_s=60)
    web = [
        limiter.check("salon", f"s{i}", 1.0, channel="webchat", address=f"10.0.0.{i % 50}")
        for i in range(30)
    ]
    assert web.count("ok") == 10  # the web chat's own budget is used up ...
    assert limiter.check("salon", "+15035550123", 2.0, channel="sms") == "ok"  # ... not SMS's
    assert limiter.check("salon", "+15035550123", 2.0, channel="telegram") == "ok"


def test_one_address_is_held_to_its_budget_whatever_the_sessions() -> None:
    limiter = RateLimiter(per_sender=100, per_business=1000, per_address=5, window_s=60)
    verdicts = [
        limiter.admit("salon", f"session{i}", 0.0, channel="webchat", address="192.0.2.7")
        for i in range(8)
    ]
    assert [a.verdict for a in verdicts] == ["ok"] * 5 + ["warn"] * 3  # each session told once
    assert {a.budget for a in verdicts[5:]} == {"address"}
    other = limiter.check("salon", "session0", 0.0, channel="webchat", address="192.0.2.8")
    assert other == "ok"  # another address (the same session id) has room


def test_drops_after_the_warning_form_one_burst_that_ends_when_there_is_room() -> None:
    limiter = RateLimiter(per_sender=2, per_business=100, window_s=10)
    seen = [limiter.admit("salon", "+1", float(t) / 10, channel="sms") for t in range(10)]
    assert [a.verdict for a in seen] == ["ok", "ok", "warn"] + ["drop"] * 7
    bursts = {id(a.burst) for a in seen[3:]}
    assert len(bursts) == 1  # one burst, not one per message
    burst = seen[-1].burst
    assert burst is not None and burst.count == 7 and burst.budget == "sender"
    assert limiter.ended() == []
    assert limiter.check("salon", "+1", 11.0, channel="sms") == "ok"  # the window has room
    assert limiter.ended() == [burst]  # handed out once
    assert limiter.ended() == []


def test_a_burst_nobody_feeds_ends_after_a_window() -> None:
    limiter = RateLimiter(per_sender=1, per_business=100, window_s=10)
    for t in (0.0, 1.0, 2.0):
        limiter.check("salon", "+1", t, channel="sms")
    [burst] = limiter.open_bursts()
    limiter.check("salon", "+2", 12.5, channel="sms")  # someone else, a window later
    assert limiter.ended() == [burst]
    assert limiter.open_bursts() == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),  # sender (mostly distinct: a flood of new ones)
            st.integers(0, 300),  # address
            st.sampled_from(["webchat", "sms"]),
            st.floats(0, 3),  # gap before it, seconds
        ),
        max_size=300,
    )
)
def test_memory_stays_bounded_by_one_window_of_traffic(
    arrivals: list[tuple[int, int, str, float]],
) -> None:
    window = 5.0
    limiter = RateLimiter(per_sender=2, per_business=50, per_address=3, window_s=window)
    now, times = 0.0, []
    for sender, address, channel, gap in arrivals:
        now += gap
        times.append(now)
        limiter.admit(
            "salon",
            str(sender),
            now,
            channel=channel,
            address=str(address) if channel == "webchat" else "",
        )
        recent = sum(1 for t in times if t > now - window)
        # per message at most a sender, an address, a channel, a warning and a burst entry
        assert limiter.size() <= 5 * recent
    limiter.admit("salon", "late", now + window + 1, channel="sms")
    assert limiter.size() <= 3  # all that is left is the last message's own entries


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), st.floats(0, 1)),
        max_size=80,
    ),
    st.integers(1, 5),
)
def test_no_address_gets_more_than_its_budget_into_any_window(
    arrivals: list[tuple[str, str, float]], limit: int
) -> None:
    limiter = RateLimiter(per_sender=1000, per_business=1000, per_address=limit, window_s=10)
    now, accepted = 0.0, dict[str, list[float]]()
    for sender, address, gap in arrivals:
        now += gap
        if limiter.check("salon", sender, now, channel="webchat", address=address) == "ok":
            accepted.setdefault(address, []).append(now)
    for moments in accepted.values():
        for i, t in enumerate(moments):
            assert sum(1 for u in moments[i:] if u < t + 10) <= limit


def test_a_keyed_window_counts_per_key_and_forgets() -> None:
    window = KeyedWindow(limit=2, window_s=60)
    assert [window.take("a", 0.0) for _ in range(3)] == [True, True, False]
    assert window.take("b", 1.0)
    assert window.take("a", 61.0)  # the window has moved on
    for i in range(1000):
        window.take(f"flood{i}", 100.0 + i / 1000)
    window.take("z", 500.0)
    assert window.size() == 1
