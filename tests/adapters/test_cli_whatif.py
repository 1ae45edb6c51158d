"""``frontdesk replay`` as a what-if, end to end: conversations recorded by a real desk (the
offline language backend, a fresh database), then replayed by a real ``frontdesk``
process against a changed business policy, a changed business file and changed cards.

bloom-salon charges a late-change fee inside 24 hours. The recorded customer books a men's
haircut, then moves it about 30 hours ahead: no fee notice. Asked "what if the window were
48 hours?", replay must list the turn where the fee would have been read out.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.settings import Settings
from adapters.wiring import open_app
from engine.ports import InboundEvent
from tests.dbs import database_url_sync
from tests.fakes.cli import REPO, environment, frontdesk

LA = ZoneInfo("America/Los_Angeles")
PHONE = "+15035550177"
BOOKING = [
    "Hi, I'd like to book a men's haircut",
    "Thursday afternoon",
    "the first one",
    "Jamie Rivera",
    "yes",
]
MOVE = ["I need to reschedule my appointment", "Saturday morning", "the first one", "yes"]
BUSINESSES = REPO / "examples" / "businesses"


@dataclass
class Recorded:
    env: dict[str, str]
    tmp: Path
    booking: str  # conversation ids
    move: str
    kinds: dict[str, list[list[str]]]  # conversation id -> reply-plan kinds per turn

    def run(self, *args: str) -> tuple[int, str, str]:
        done = frontdesk(self.env, *args)
        assert "Traceback" not in done.stderr, done.stderr
        return done.returncode, done.stdout, done.stderr


async def _record(db: str, language: object) -> tuple[str, str, dict[str, list[list[str]]]]:
    app = await open_app(Settings(db=db, businesses=BUSINESSES), language=language)  # type: ignore[arg-type]
    try:
        n = 0

        async def say(text: str, at: datetime, who: str) -> str:
            nonlocal n
            n += 1
            reply = await app.desk.handle(
                InboundEvent(
                    business="bloom-salon",
                    channel="sms",
                    sender=f"{PHONE}/{who}",
                    text=text,
                    provider_msg_id=f"whatif-{n}",
                    received_at=at,
                    customer_phone=PHONE,
                )
            )
            return reply.conversation_id

        for text in BOOKING:
            booking = await say(text, datetime(2026, 11, 24, 10, 0, tzinfo=LA), "book")
        [appt] = await app.store.list_appointments("bloom-salon")
        for text in MOVE:  # 30 hours before the appointment: outside the 24-hour window
            move = await say(text, appt.start - timedelta(hours=30), "move")
        kinds = {
            cid: [
                [i["kind"] for i in (t.record["decision"] or {})["plan"]["items"]]
                for t in await app.store.turns(cid)
            ]
            for cid in (booking, move)
        }
        [moved] = await app.store.list_appointments("bloom-salon")
        assert moved.start != appt.start, "the recorded conversation did not reschedule"
        return booking, move, kinds
    finally:
        await app.close()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, language) -> Iterator[Recorded]:
    tmp = tmp_path_factory.mktemp("whatif")
    with database_url_sync(tmp) as db:
        booking, move, kinds = asyncio.run(_record(db, language))
        yield Recorded(environment(db, tmp / "cache"), tmp, booking, move, kinds)


def late_window(tmp: Path, hours: int) -> Path:
    """A copy of the bundled businesses with bloom-salon's late-change window changed."""
    target = tmp / f"businesses-{hours}h"
    if not target.exists():
        shutil.copytree(BUSINESSES, target)
        path = target / "bloom-salon.yaml"
        text = path.read_text()
        assert "  late_window_hours: 24\n" in text
        path.write_text(
            text.replace("  late_window_hours: 24\n", f"  late_window_hours: {hours}\n")
        )
    return target


def test_the_recorded_move_heard_no_fee(recorded) -> None:
    assert recorded.kinds[recorded.move][2][-1] == "confirm"  # "the first one": read-back
    assert not any("late_fee" in k for k in recorded.kinds[recorded.move])
    assert "booked" in recorded.kinds[recorded.booking][-1]
    assert "rescheduled" in recorded.kinds[recorded.move][-1]


def test_unchanged_cards_and_businesses_replay_identically(recorded) -> None:
    total = len(BOOKING) + len(MOVE)
    code, out, _ = recorded.run("replay", "--all")
    assert (code, out) == (0, f"{total} turns identical\n")
    code, out, _ = recorded.run(
        "--businesses", str(late_window(recorded.tmp, 24)), "replay", "--all"
    )
    assert (code, out) == (0, f"{total} turns identical\n")
    code, out, _ = recorded.run(
        "replay", recorded.move, "--business-file", str(BUSINESSES / "bloom-salon.yaml"), "--json"
    )
    assert code == 0
    assert json.loads(out) == {"turns": len(MOVE), "differ": 0, "differences": []}


def test_a_48_hour_late_window_lists_the_fee_notice_the_move_would_have_had(recorded) -> None:
    code, out, _ = recorded.run(
        "--businesses",
        str(late_window(recorded.tmp, 48)),
        "replay",
        "--all",
        "--business",
        "bloom-salon",
    )
    assert code == 1, out
    lines = out.splitlines()
    at = lines.index(f"{recorded.move} turn 3 (bloom-salon) customer: 'the first one'")
    assert lines[at + 1 : at + 3] == [
        "  + rule changes.late_fee_notice",
        "  + reply late_fee (fee $25, hours 48)",
    ]
    # at the yes the rule fires as well, but the confirmation supersedes it
    assert f"{recorded.move} turn 4 (bloom-salon) customer: 'yes'" in lines
    assert "  + rule changes.late_fee_notice (superseded: no effect)" in lines
    assert recorded.booking not in out  # the booking's turns decide alike
    assert lines[-1] == f"2 of {len(BOOKING) + len(MOVE)} turns differ"


def test_a_changed_business_file_as_json(recorded) -> None:
    changed = late_window(recorded.tmp, 48) / "bloom-salon.yaml"
    code, out, _ = recorded.run("replay", "--all", "--business-file", str(changed), "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["turns"], data["differ"]) == (len(BOOKING) + len(MOVE), 2)
    first = data["differences"][0]
    assert {k: first[k] for k in ("conversation_id", "business", "seq", "text")} == {
        "conversation_id": recorded.move,
        "business": "bloom-salon",
        "seq": 3,
        "text": "the first one",
    }
    assert first["changes"] == [
        {
            "sign": "+",
            "part": "rule",
            "what": "changes.late_fee_notice",
            "text": "+ rule changes.late_fee_notice",
        },
        {
            "sign": "+",
            "part": "reply",
            "what": "late_fee (fee $25, hours 48)",
            "text": "+ reply late_fee (fee $25, hours 48)",
        },
    ]


def test_a_shorter_window_changes_nothing_here(recorded) -> None:
    code, out, _ = recorded.run(
        "--businesses", str(late_window(recorded.tmp, 12)), "replay", "--all"
    )
    assert (code, out) == (0, f"{len(BOOKING) + len(MOVE)} turns identical\n")


def test_a_card_without_the_read_back_lists_the_booking_that_would_run_at_once(recorded) -> None:
    cards = recorded.tmp / "no-read-back"
    cards.mkdir(exist_ok=True)
    book = (REPO / "machines" / "cards" / "book.yaml").read_text()
    changed = book.replace("  - id: confirm\n    kind: confirm\n    on_deny: date\n", "")
    changed = changed.replace("confirm_before: [book]\n", "")
    assert changed.count("kind: confirm") == book.count("kind: confirm") - 1
    (cards / "book.yaml").write_text(changed)
    code, out, _ = recorded.run("replay", "--all", "--cards", str(cards))
    assert code == 1, out
    lines = out.splitlines()
    at = lines.index(f"{recorded.booking} turn 4 (bloom-salon) customer: 'Jamie Rivera'")
    block = lines[at + 1 : lines.index(f"{recorded.booking} turn 5 (bloom-salon) customer: 'yes'")]
    assert "  - rule book.confirm.read_back" in block
    assert "  - transition book: phone --advance--> confirm" in block
    assert "  + transition book: phone --advance--> book" in block
    [run] = [line for line in block if line.startswith("  + would run action book(")]
    assert "name=Jamie Rivera" in run and run.endswith(
        "(not recorded: the rest of the turn is unknown)"
    )
    assert "  ~ decision cannot be replayed: card 'book' has no step 'confirm' any more" in lines
    assert recorded.move not in out  # the move never used the booking card
    assert lines[-1] == f"2 of {len(BOOKING) + len(MOVE)} turns differ"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cards", "no/such/dir"), "--cards no/such/dir: no such file or directory"),
        (("--business-file", "no/such.yaml"), "no/such.yaml:1: "),
        (
            (
                "--business-file",
                str(BUSINESSES / "praxis-sommer.yaml"),
                "--business",
                "bloom-salon",
            ),
            "is business 'praxis-sommer', not 'bloom-salon'",
        ),
    ],
)
def test_what_if_inputs_that_are_not_there_are_usage_errors(recorded, args, message) -> None:
    code, out, err = recorded.run("replay", "--all", *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err, err


def test_a_broken_business_file_names_its_line(recorded) -> None:
    broken = recorded.tmp / "broken.yaml"
    text = (BUSINESSES / "bloom-salon.yaml").read_text()
    broken.write_text(text.replace("  late_window_hours: 24\n", "  late_window_hours: soon\n"))
    code, _, err = recorded.run("replay", "--all", "--business-file", str(broken))
    line = text.splitlines().index("  late_window_hours: 24") + 1
    assert code == 2 and f"{broken}:{line}: changes.late_window_hours" in err, err
