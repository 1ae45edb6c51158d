"""The ``frontdesk`` command line, driven as a real subprocess (the README's contract table).

Two piped ``chat`` sessions (bloom-salon in English, praxis-sommer in German), run once per
module, each fill a fresh database (SQLite, or PostgreSQL in the suite's PostgreSQL pass,
see ``tests.dbs``); every listing, the audit trail, hash-chain
verification and replay then read those. The ``cards`` commands, a broken business file
and bad environment variables need no chat at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.dbs import copy_postgres, database_url_sync, run_sql
from tests.fakes.cli import CLI, REPO, TIMEOUT, environment, frontdesk

from ..machines.cards_for_tests import GOOD, marked_line

BLOOM_CUSTOMER = "+15035550101"
BLOOM_SCRIPT = [
    "Hi, I'd like to book a men's haircut",
    "tomorrow afternoon",
    "the first one",
    "Jamie Rivera",
    "yes",
    "Can I leave a message for the owner?",
    "Please call me back about a wedding party for six people",
    "yes",
    "Can I talk to a real person please?",
]
PRAXIS_CUSTOMER = "+4930555123"
PRAXIS_SCRIPT = [
    "Ich hätte gern einen Termin für eine Kontrolluntersuchung",
    "morgen Vormittag",
    "Wo kann ich parken?",
]
APPOINTMENT_KEYS = {
    "id",
    "service",
    "staff",
    "start",
    "end",
    "customer_name",
    "customer_phone",
    "status",
}
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?[+-]\d\d:\d\d$")


class PipedChat:
    """``frontdesk chat`` over pipes: write one line, read one line."""

    def __init__(self, env: dict[str, str], stderr: Path, *args: str) -> None:
        self.stderr_path = stderr
        self._stderr = stderr.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [*CLI, "chat", *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self._lines.put(line)
        self._lines.put(None)

    def pending(self) -> list[str]:
        """Lines printed so far and not read yet (without waiting)."""
        out: list[str] = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return out
            if line is None:
                self._lines.put(None)
                return out
            out.append(line)

    def send(self, text: str) -> Callable[[], str]:
        """Write one line; the returned function waits for the one line of reply."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

        def reply() -> str:
            try:
                line = self._lines.get(timeout=TIMEOUT)
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(f"no reply to {text!r} within {TIMEOUT} s") from None
            assert line is not None, f"chat ended early:\n{self.stderr_path.read_text()}"
            assert line.endswith("\n")
            return line.rstrip("\n")

        return reply

    def say(self, text: str) -> str:
        return self.send(text)()

    def close(self) -> tuple[int, list[str]]:
        """Close stdin (EOF); the exit code and anything printed after the last reply."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=TIMEOUT)
        rest: list[str] = []
        while (line := self._lines.get(timeout=TIMEOUT)) is not None:
            rest.append(line)
        return code, rest

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        self._stderr.close()


@dataclass
class World:
    """The databases the two chats filled, and the read-only commands run against them.

    Each business has its own database file: two chat processes writing to one SQLite file
    at once are not what these tests are about (see the report on database locking).
    """

    tmp: Path
    envs: dict[str, dict[str, str]]  # "bloom" / "praxis" -> the environment naming its db
    bloom: list[str] = field(default_factory=list)
    praxis: list[str] = field(default_factory=list)
    praxis_before_first: list[str] = field(default_factory=list)
    exits: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    stderr: dict[str, str] = field(default_factory=dict)
    done: dict[tuple[str, ...], subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def db(self, name: str = "bloom") -> str:
        return self.envs[name]["FRONTDESK_DB"]

    def run(self, *args: str, db: str = "bloom", **env: str) -> subprocess.CompletedProcess[str]:
        """Run a command; read-only commands on the chats' databases run once."""
        if env:
            return frontdesk({**self.envs[db], **env}, *args)
        if (db, *args) not in self.done:
            self.done[(db, *args)] = frontdesk(self.envs[db], *args)
        return self.done[(db, *args)]

    def prefetch(self, commands: list[tuple[str, ...]]) -> None:
        """Run independent read-only commands two at a time (each is mostly start-up);
        a command is ``(db, *args)``."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = pool.map(lambda c: frontdesk(self.envs[c[0]], *c[1:]), commands)
            self.done.update(zip(commands, results, strict=True))

    def json(self, *args: str, db: str = "bloom") -> list[dict[str, object]]:
        done = self.run(*args, "--json", db=db)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert isinstance(data, list)
        return data

    def conversation(self, db: str = "bloom") -> str:
        business = {"bloom": "bloom-salon", "praxis": "praxis-sommer"}[db]
        [conv] = self.json("conversations", "--business", business, db=db)
        return str(conv["id"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("cli")
    with database_url_sync(tmp) as bloom_db, database_url_sync(tmp) as praxis_db:
        yield _world(tmp, {"bloom": bloom_db, "praxis": praxis_db})


def _world(tmp: Path, dbs: dict[str, str]) -> World:
    w = World(tmp=tmp, envs={name: environment(url, tmp / "cache") for name, url in dbs.items()})
    bloom = PipedChat(
        w.envs["bloom"],
        tmp / "bloom.err",
        "--business",
        "bloom-salon",
        "--now",
        "2026-11-24T10:00",
        "--customer",
        BLOOM_CUSTOMER,
    )
    praxis = PipedChat(
        w.envs["praxis"],
        tmp / "praxis.err",
        "--business",
        "praxis-sommer",
        "--lang",
        "de",
        "--now",
        "2026-11-24T10:00",
        "--customer",
        PRAXIS_CUSTOMER,
    )
    try:
        # the first turns (model and classifier loading) run side by side
        first = bloom.send(BLOOM_SCRIPT[0])
        w.praxis_before_first = praxis.pending()
        first_de = praxis.send(PRAXIS_SCRIPT[0])
        w.bloom = [first()] + [bloom.say(text) for text in BLOOM_SCRIPT[1:]]
        w.praxis = [first_de()] + [praxis.say(text) for text in PRAXIS_SCRIPT[1:]]
        w.exits = {"bloom": bloom.close(), "praxis": praxis.close()}
    finally:
        bloom.kill()
        praxis.kill()
    w.stderr = {name: (tmp / f"{name}.err").read_text() for name in ("bloom", "praxis")}
    w.prefetch(
        [
            (db, command, "--business", business, "--json")
            for command in ("appointments", "conversations", "messages", "escalations")
            for db, business in (("bloom", "bloom-salon"), ("praxis", "praxis-sommer"))
        ]
        + [
            ("bloom", listing, "--business", "bloom-salon")
            for listing in ("appointments", "conversations", "messages", "escalations")
        ]
        + [
            ("praxis", "escalations", "--business", "praxis-sommer"),
            ("bloom", "audit", "verify"),
            ("praxis", "audit", "verify"),
            ("bloom", "replay", "--all"),
            ("praxis", "replay", "--all"),
        ]
    )
    w.prefetch(
        [
            ("bloom", "audit", w.conversation()),
            ("bloom", "audit", w.conversation(), "--json"),
            ("praxis", "replay", w.conversation("praxis")),
            ("bloom", "replay"),
        ]
    )
    return w


# ---------------------------------------------------------------------- chat


def test_chat_answers_each_line_with_one_desk_line_and_exits_0_at_eof(world) -> None:
    # no banner or prompt: the first line out is already the reply to the first line in
    assert world.praxis_before_first == [], "printed before the first message"
    assert "day" in world.bloom[0].lower() and "Tag" in world.praxis[0], (
        world.bloom[0],
        world.praxis[0],
    )
    for name, replies in (("bloom", world.bloom), ("praxis", world.praxis)):
        assert all(r.startswith("desk: ") and len(r) > len("desk: ") for r in replies), replies
        code, rest = world.exits[name]
        assert code == 0 and rest == [], (code, rest, world.stderr[name])
        assert "Traceback" not in world.stderr[name]


def test_chat_books_tomorrow_relative_to_now_for_the_customer(world) -> None:
    assert "booked" in world.bloom[4].lower()
    [a] = world.json("appointments", "--business", "bloom-salon")
    assert a["service"] == "men's haircut" and a["service_id"] == "mens_cut"
    assert a["customer_name"] == "Jamie Rivera"
    assert a["customer_phone"] == BLOOM_CUSTOMER
    assert a["status"] == "booked"
    start = datetime.fromisoformat(str(a["start"]))
    assert start.date().isoformat() == "2026-11-25"  # --now 2026-11-24: tomorrow
    assert start.utcoffset() == timedelta(hours=-8)  # Portland in November
    assert start.hour >= 12  # "tomorrow afternoon"
    assert datetime.fromisoformat(str(a["end"])) - start == timedelta(minutes=30)
    [conv] = world.json("conversations", "--business", "bloom-salon")
    assert str(conv["sender"]).startswith(BLOOM_CUSTOMER)
    assert conv["turns"] == len(BLOOM_SCRIPT)
    assert str(conv["created_at"]).startswith("2026-11-24T10:00:00-08:00")


def test_chat_from_an_empty_directory_with_no_configuration_talks_to_the_packaged_demo(
    world, tmp_path
) -> None:
    # nothing configured: no FRONTDESK_* variable, no frontdesk.toml, no --businesses; only
    # the embedding cache is shared with this module's chats (the model cache is another
    # matter), so the run does not export the model again
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update(
        FRONTDESK_CACHE_DIR=str(world.tmp / "cache"),
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    empty = tmp_path / "anywhere"
    empty.mkdir()
    done = subprocess.run(
        [*CLI, "chat", "--business", "bloom-salon"],
        cwd=empty,
        env=env,
        input="What are your opening hours?\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    [reply] = done.stdout.splitlines()
    assert reply.startswith("desk: ") and "Saturday" in reply, reply
    assert "Traceback" not in done.stderr


def test_a_listing_piped_into_head_ends_without_a_traceback(world) -> None:
    conv = world.conversation()
    for command in (
        "appointments --business bloom-salon --json | head -1",
        f"audit {conv} --json | head -1",
    ):  # the audit is more than a pipe holds
        done = subprocess.run(
            ["sh", "-c", " ".join(CLI) + " " + command],
            cwd=REPO,
            env=world.envs["bloom"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert done.stdout == "[\n" and done.stderr == "", (command, done.stderr)


def test_chat_in_german(world) -> None:
    german = ("Ihnen", "Termin", "Uhr", "Sie")
    english = ("Which", "What", "would you", "I have", "appointment", "Sorry")
    for reply in world.praxis:
        assert any(w in reply for w in german), reply
        assert not any(w in reply for w in english), reply
    assert "25.11." in world.praxis[1]  # morgen, relative to --now
    assert "parken" in world.praxis[2] or "Innenhof" in world.praxis[2]


# ---------------------------------------------------------------------- listings


def _check_local_time(value: object, offset: str) -> None:
    assert isinstance(value, str) and ISO_OFFSET.match(value), value
    assert value.endswith(offset), value


def test_appointments_json_shape(world) -> None:
    for db, business, offset in (
        ("bloom", "bloom-salon", "-08:00"),
        ("praxis", "praxis-sommer", "+01:00"),
    ):
        for row in world.json("appointments", "--business", business, db=db):
            assert APPOINTMENT_KEYS <= set(row) <= APPOINTMENT_KEYS | {"service_id", "staff_id"}
            assert row["status"] in ("booked", "cancelled")
            for key in ("start", "end"):
                _check_local_time(row[key], offset)
            assert all(isinstance(row[k], str) for k in APPOINTMENT_KEYS)
    assert world.json("appointments", "--business", "praxis-sommer", db="praxis") == []


def test_messages_and_escalations_json_shape(world) -> None:
    conv = world.conversation()
    [m] = world.json("messages", "--business", "bloom-salon")
    assert {"caller_name", "callback_number", "text", "created_at"} <= set(m)
    assert m["caller_name"] == "Jamie Rivera" and m["callback_number"] == BLOOM_CUSTOMER
    assert "wedding party" in str(m["text"])
    _check_local_time(m["created_at"], "-08:00")
    [e] = world.json("escalations", "--business", "bloom-salon")
    assert {"conversation_id", "reason", "created_at", "status"} <= set(e)
    assert e["conversation_id"] == conv and e["status"] == "open" and e["reason"]
    _check_local_time(e["created_at"], "-08:00")
    assert world.json("messages", "--business", "praxis-sommer", db="praxis") == []
    assert world.json("escalations", "--business", "praxis-sommer", db="praxis") == []


def test_conversations_json_shape(world) -> None:
    [conv] = world.json("conversations", "--business", "praxis-sommer", db="praxis")
    assert {"id", "channel", "sender", "turns", "created_at", "updated_at"} <= set(conv)
    assert conv["turns"] == len(PRAXIS_SCRIPT) and conv["active_topic"] == "book"
    _check_local_time(conv["created_at"], "+01:00")


def test_listings_as_text(world) -> None:
    done = world.run("appointments", "--business", "bloom-salon")
    assert done.returncode == 0
    [line] = done.stdout.splitlines()
    assert "men's haircut" in line and "Jamie Rivera" in line and "2026-11-25T" in line
    done = world.run("escalations", "--business", "praxis-sommer", db="praxis")
    assert done.returncode == 0 and done.stdout.strip() == "no escalations"


@pytest.mark.parametrize("listing", ["appointments", "conversations", "escalations", "messages"])
def test_every_text_listing_starts_each_row_with_its_id(world, listing) -> None:
    rows = world.json(listing, "--business", "bloom-salon")
    assert rows, f"the bloom chat leaves at least one row in {listing}"
    done = world.run(listing, "--business", "bloom-salon")
    assert done.returncode == 0, done.stderr
    assert [line.split("  ")[0] for line in done.stdout.splitlines()] == [row["id"] for row in rows]


# ---------------------------------------------------------------------- audit


def test_audit_shows_the_whole_decision_of_every_turn_in_plain_words(world) -> None:
    conv = world.conversation()
    done = world.run("audit", conv)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith(f"conversation {conv}  (bloom-salon, {len(BLOOM_SCRIPT)} turns)")
    assert len(re.findall(r"^turn \d+ ", text, re.M)) == len(BLOOM_SCRIPT)
    assert "customer: \"Hi, I'd like to book a men's haircut\"" in text
    # the understanding: the topic with its confidence and runner-up, fields with their words
    assert re.search(
        r"^  understood: English; topic book \(confidence [01]\.\d\d(, runner-up "
        r"\w+ 0\.\d\d)?\)",
        text,
        re.M,
    )
    # why: the examples nearest to the message and the features that weighed most
    assert re.search(
        r"^    why book: nearest examples \".+\" \(0\.\d\d\).*; weighed most: ", text, re.M
    )
    assert re.search(r'^    service = mens_cut  from "men\'s haircut"$', text, re.M)
    assert re.search(r'^    date = 2026-11-25  from "tomorrow"', text, re.M)
    # every rule with its reason, the facts it matched and what it did, in words
    assert re.search(
        r"^  rule book\.service\.collected \(card rules, round \d+\): we have "
        r"the service, so we move on$",
        text,
        re.M,
    )
    assert re.search(
        r"^    facts: field\.service = mens_cut, machine\.state = service$", text, re.M
    )
    assert re.search(
        r"^    then: set decision\.topic = book \(from topic\.candidate\)$", text, re.M
    )
    assert re.search(r"^    then: machine event advance$", text, re.M)
    assert "not applied: a rule before it decided this" in text  # a superseded consequence
    assert "Ref(" not in text and "{'" not in text and "=None" not in text
    assert re.search(
        r"^  topic: \(none\) -> book \(new, confidence [\d.]+\) because "
        r"topic\.new \(the best-matching topic takes the turn\)",
        text,
        re.M,
    )
    assert re.search(r"^  transition book: confirm --confirm--> book ", text, re.M)
    assert re.search(r"^  action book \[book:[0-9a-f]{32}\] -> ok", text, re.M)  # key
    assert re.search(r"^  action find_slots \[find_slots:[0-9a-f]{32}\] -> ok", text, re.M)
    assert re.search(r"^    with .*name = Jamie Rivera.*, start = 2026-11-25T", text, re.M)
    assert re.search(r"^  reply: .*booked", text, re.M)
    assert len(re.findall(r"^  hash: [0-9a-f]{64}$", text, re.M)) == len(BLOOM_SCRIPT)


def test_an_id_prefix_is_taken_wherever_an_id_is(world) -> None:
    conv = world.conversation()
    whole = world.run("audit", conv, "--json")
    by_prefix = world.run("audit", conv[:4], "--json")
    assert by_prefix.returncode == 0, by_prefix.stderr
    assert by_prefix.stdout == whole.stdout
    replayed = world.run("replay", conv[:6])
    assert (
        replayed.returncode == 0
        and replayed.stdout.strip() == f"{len(BLOOM_SCRIPT)} turns identical"
    ), replayed.stdout + replayed.stderr
    short = world.run("audit", conv[:3])
    assert short.returncode == 1 and "at least 4 characters" in short.stderr
    other = "0123" if not conv.startswith("0123") else "4567"
    missing = world.run("audit", other)
    assert missing.returncode == 1 and f"no conversation '{other}'" in missing.stderr


def test_audit_json(world) -> None:
    conv = world.conversation()
    done = world.run("audit", conv, "--json")
    assert done.returncode == 0
    turns = json.loads(done.stdout)
    assert [t["seq"] for t in turns] == list(range(1, len(BLOOM_SCRIPT) + 1))
    assert turns[0]["prev_hash"] == ""
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(turns, turns[1:], strict=False))
    assert [t["record"]["event"]["text"] for t in turns] == BLOOM_SCRIPT
    assert [f"desk: {t['record']['reply']['text']}" for t in turns] == world.bloom
    assert world.run("audit", "no-such-conversation").returncode != 0


def test_audit_verify_finds_a_tampered_turn(world) -> None:
    for db, script in (("bloom", BLOOM_SCRIPT), ("praxis", PRAXIS_SCRIPT)):
        done = world.run("audit", "verify", db=db)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"1 conversations, {len(script)} turns" in done.stdout
    conv = world.conversation()
    with _tampered_copy(world, conv) as tampered:
        done = world.run("audit", "verify", FRONTDESK_DB=tampered)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [f"{conv} turn 5: content does not match hash"]
    assert world.run("audit", "verify").returncode == 0  # the original is untouched


@contextlib.contextmanager
def _tampered_copy(world: World, conv: str) -> Iterator[str]:
    """A copy of bloom's database in which turn 5's reply was edited behind the store."""
    if world.db().startswith("postgresql"):
        url = copy_postgres(world.db(), f"fd_tampered_{os.getpid()}")
        try:
            status = run_sql(
                url,
                """UPDATE turn SET record = jsonb_set(record::jsonb,
                '{reply,text}', '"You are booked for free!"')::text
                WHERE conversation_id = $1 AND seq = 5""",
                conv,
            )
            assert status == "UPDATE 1"
            yield url
        finally:
            run_sql(
                url.rsplit("/", 1)[0] + "/postgres",
                f'DROP DATABASE IF EXISTS "fd_tampered_{os.getpid()}" WITH (FORCE)',
            )
        return
    tampered = world.tmp / "tampered.db"
    with (
        sqlite3.connect(world.db().removeprefix("sqlite:///")) as src,
        sqlite3.connect(tampered) as dst,
    ):
        src.backup(dst)
    with sqlite3.connect(tampered) as con:
        changed = con.execute(
            "UPDATE turn SET record = json_set(record, '$.reply.text', 'You are booked for free!')"
            " WHERE conversation_id = ? AND seq = 5",
            (conv,),
        ).rowcount
    assert changed == 1
    yield str(tampered)


# ---------------------------------------------------------------------- replay


def test_replay_all_and_one(world) -> None:
    for db, script in (("bloom", BLOOM_SCRIPT), ("praxis", PRAXIS_SCRIPT)):
        done = world.run("replay", "--all", db=db)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip() == f"{len(script)} turns identical"
    done = world.run("replay", world.conversation("praxis"), db="praxis")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"{len(PRAXIS_SCRIPT)} turns identical"


def test_replay_needs_a_conversation_or_all(world) -> None:
    done = world.run("replay")
    assert done.returncode == 2 and "--all" in done.stderr


def test_replay_against_changed_cards_lists_the_differences(world) -> None:
    cards = world.tmp / "changed-cards"
    cards.mkdir(exist_ok=True)
    book = (REPO / "machines" / "cards" / "book.yaml").read_text()
    # the booking no longer asks for a name: the turns after the slot choice decide otherwise
    changed = book.replace("  - id: name\n    kind: collect\n    field: name\n", "")
    assert changed != book
    (cards / "book.yaml").write_text(changed)
    done = world.run("replay", "--all", "--cards", str(cards))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "turns differ" in done.stdout.splitlines()[-1]
    assert world.conversation() in done.stdout


# ---------------------------------------------------------------------- cards


def test_cards_check_accepts_the_bundled_cards(tmp_path) -> None:
    done = frontdesk(environment(tmp_path / "x.db"), "cards", "check", "machines/cards")
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip() == f"ok: {len(list((REPO / 'machines/cards').glob('*.yaml')))} cards"


BROKEN_CARDS = {
    "unknown_action.yaml": (
        ("    action: find_slots\n", "    action: find_slot  # <-\n"),
        "unknown action 'find_slot'",
    ),
    "unknown_condition.yaml": (
        ("    skip_if: customer.has_phone\n", "    skip_if: customer.has_fone  # <-\n"),
        "unknown name 'customer.has_fone'",
    ),
    "bad_field_type.yaml": (
        ("    type: person_name\n", "    type: fullname  # <-\n"),
        "unknown field type 'fullname'",
    ),
    "not_yaml.yaml": (
        ("    kind: confirm\n", "    kind: confirm: now  # <-\n"),
        "invalid YAML: mapping values are not allowed here",
    ),
}


def test_cards_check_reports_file_and_line_of_each_problem(tmp_path) -> None:
    expected: dict[str, tuple[int, str]] = {}
    for name, ((old, new), message) in BROKEN_CARDS.items():
        assert old in GOOD
        text = GOOD.replace(old, new, 1)
        (tmp_path / name).write_text(text)
        expected[name] = (marked_line(text), message)
    done = frontdesk(
        environment(tmp_path / "x.db"), "cards", "check", "machines/cards", str(tmp_path)
    )
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    seen: dict[str, list[tuple[int, str]]] = {}
    for line in done.stdout.splitlines():
        m = re.match(r"^(.+):(\d+): (.+)$", line)
        assert m, f"not file:line: message: {line!r}"
        seen.setdefault(Path(m[1]).name, []).append((int(m[2]), m[3]))
    assert set(seen) == set(BROKEN_CARDS)  # the bundled cards are fine
    for name, (line, message) in expected.items():
        assert any(n == line and message in text for n, text in seen[name]), (name, seen[name])
        assert f"{tmp_path / name}:{line}: " in done.stdout  # the path as given


def test_cards_schema_is_a_json_schema(tmp_path) -> None:
    done = frontdesk(environment(tmp_path / "x.db"), "cards", "schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    assert "json-schema.org" in schema["$schema"]
    assert {"id", "steps", "required_fields"} <= set(schema["properties"])


def test_cards_show_lists_transitions_with_their_rules(tmp_path) -> None:
    env = environment(tmp_path / "x.db")
    done = frontdesk(env, "cards", "show", "book", "--business", "bloom-salon")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("book: Book an appointment")
    assert "transitions:" in lines
    assert re.search(r"^  confirm --confirm--> book +\[book\.confirm\.yes\]$", done.stdout, re.M)
    assert re.search(
        r"^  date --escalate--> escalated +\[.*escalate\.unanswered.*\]$", done.stdout, re.M
    )
    mermaid = frontdesk(env, "cards", "show", "book", "--business", "bloom-salon", "--mermaid")
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart TD\n")
    assert '    s_confirm -->|"confirm [book.confirm.yes]"| s_book\n' in mermaid.stdout
    assert re.search(
        r'^    s_date -->\|"⚠ escalate \[.*escalate\.unanswered.*\]"\| s_escalated$',
        mermaid.stdout,
        re.M,
    )
    assert re.search(r"^    linkStyle [\d,]+ stroke:#d32f2f,stroke-width:3px", mermaid.stdout, re.M)
    unknown = frontdesk(env, "cards", "show", "tattoo", "--business", "bloom-salon")
    assert unknown.returncode == 2 and "tattoo" in unknown.stderr


def test_cards_show_svg_to_stdout_or_a_file(tmp_path) -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("graphviz's dot is not installed (.ci/run installs Debian's graphviz)")
        pytest.skip("graphviz's dot is not installed (Debian package: graphviz)")
    env = environment(tmp_path / "x.db")
    done = frontdesk(env, "cards", "show", "cancel", "--business", "bloom-salon", "--svg")
    assert done.returncode == 0, done.stderr
    root = ET.fromstring(done.stdout.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {
        "phone",
        "lookup",
        "appointment",
        "confirm",
        "cancel",
        "done",
        "escalated",
        "abandoned",
        "cancel.confirm.yes",
        "escalate.unanswered",
    } <= texts
    out = tmp_path / "cancel.svg"
    written = frontdesk(
        env, "cards", "show", "cancel", "--business", "bloom-salon", "--svg", "--out", str(out)
    )
    assert (written.returncode, written.stdout) == (0, "")
    assert out.read_text() == done.stdout
    both = frontdesk(
        env, "cards", "show", "cancel", "--business", "bloom-salon", "--svg", "--mermaid"
    )
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_cards_show_svg_without_graphviz_is_one_clear_line(tmp_path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()  # a PATH with no dot on it
    env = environment(tmp_path / "x.db", PATH=str(bare))
    done = frontdesk(env, "cards", "show", "book", "--business", "bloom-salon", "--svg")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: --svg needs graphviz's 'dot' program, which is not installed "
        "(Debian package: graphviz)"
    ]


def test_cards_show_out_to_a_directory_that_is_not_there(tmp_path) -> None:
    done = frontdesk(
        environment(tmp_path / "x.db"),
        "cards",
        "show",
        "book",
        "--business",
        "bloom-salon",
        "--mermaid",
        "--out",
        str(tmp_path / "no" / "such.mmd"),
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: --out {tmp_path / 'no' / 'such.mmd'}: ")


# ---------------------------------------------------------------------- configuration


def test_an_invalid_business_file_is_refused_with_file_line_field_reason(tmp_path) -> None:
    businesses = tmp_path / "businesses"
    businesses.mkdir()
    for f in (REPO / "examples" / "businesses").glob("*.yaml"):
        shutil.copy(f, businesses)
    path = businesses / "bloom-salon.yaml"
    text = path.read_text()
    broken = text.replace("duration_min: 60", "duration_min: -5", 1).replace(
        "timezone: America/Los_Angeles", "timezone: Mars/Olympus_Mons", 1
    )
    path.write_text(broken)
    lines = broken.splitlines()
    duration_line = next(i for i, x in enumerate(lines, 1) if "duration_min: -5" in x)
    tz_line = next(i for i, x in enumerate(lines, 1) if "Mars/" in x)
    env = environment(tmp_path / "x.db", FRONTDESK_BUSINESSES=str(businesses))
    done = frontdesk(env, "appointments", "--business", "bloom-salon")
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert re.search(
        rf"{re.escape(str(path))}:{tz_line}: timezone: .*Mars/Olympus_Mons", done.stderr
    ), done.stderr
    assert re.search(
        rf"{re.escape(str(path))}:{duration_line}: services\[0\]\.duration_min: "
        r"\S",
        done.stderr,
    ), done.stderr
    # another business is not held up by it
    other = frontdesk(env, "appointments", "--business", "praxis-sommer")
    assert other.returncode == 0 and other.stdout == "no appointments\n", other.stderr
    unknown = frontdesk(environment(tmp_path / "x.db"), "appointments", "--business", "nope")
    assert unknown.returncode == 2 and "nope" in unknown.stderr
    assert "Traceback" not in unknown.stderr


@pytest.mark.parametrize(
    ("variable", "value"), [("FRONTDESK_EMBEDDER", "word2vec"), ("FRONTDESK_LOG_LEVEL", "LOUD")]
)
def test_a_bad_environment_variable_is_an_error_not_a_traceback(tmp_path, variable, value) -> None:
    env = environment(tmp_path / "x.db", **{variable: value})
    done = frontdesk(env, "appointments", "--business", "bloom-salon")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and value in done.stderr


def test_chat_answers_bytes_that_are_not_text_and_huge_lines_without_a_traceback(tmp_path) -> None:
    lines = [
        b"hello",
        b"\xff\xfe\x00\x01garbage\x80",
        b"a" * 100_000,
        "\U0001f600\U0001f600".encode(),
        b"",
    ]
    with database_url_sync(tmp_path) as db:
        proc = subprocess.run(
            [*CLI, "chat", "--business", "bloom-salon", "--now", "2026-11-24T10:00"],
            cwd=REPO,
            env=environment(db, tmp_path / "cache"),
            input=b"\n".join(lines) + b"\n",
            capture_output=True,
            timeout=TIMEOUT,
        )
    out = proc.stdout.decode("utf-8").splitlines()
    assert proc.returncode == 0
    assert len(out) == len(lines) and all(line.startswith("desk: ") for line in out)
    assert b"Traceback" not in proc.stderr and "Traceback" not in "".join(out)
