"""``frontdesk customer export|erase`` and ``frontdesk retention sweep`` as real
subprocesses on the run's database (SQLite, or PostgreSQL in the PostgreSQL pass), with
turns a real desk recorded there first (scripted understandings)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import timedelta
from pathlib import Path

from engine.desk import Desk
from engine.ports import CodeRow, DroppedBurst
from store import open_store
from tests.dbs import database_url
from tests.fakes.cli import environment, frontdesk
from tests.fakes.conversation import NOW, said, talk, up_to_confirm
from tests.fakes.demo import demo_brains
from tests.fakes.scripted_language import ScriptedLanguage

ANN, BEN = "+15035550101", "+15035550102"
LATER = "2026-06-01T00:00:00+00:00"  # 15 months after the bookings: past 365 days


async def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(frontdesk, env, *args)


async def seed(db: str) -> None:
    store = await open_store(db)
    try:
        await store.migrate()
        language = ScriptedLanguage()
        desk = Desk(store, demo_brains(), language)
        for phone in (ANN, BEN):
            await talk(desk, language, phone, *up_to_confirm(phone), said(affirm=True))
        for n, sender in enumerate((ANN, BEN)):  # each flooded the desk by SMS once, too
            await store.save_dropped(
                DroppedBurst(
                    id=f"burst-{n}",
                    business="bloom-salon",
                    channel="sms",
                    budget="sender",
                    sender=sender,
                    provider_msg_id=f"dropped-{n}",
                    text="hello??",
                    count=30,
                    first_at=NOW,
                    last_at=NOW + timedelta(minutes=2),
                )
            )
            async with store.transaction("bloom-salon", f"code-{n}") as tx:  # and was sent a code
                await tx.insert_code(
                    CodeRow(
                        id=f"code-{n}",
                        business="bloom-salon",
                        conversation_id=f"chat-{n}",
                        phone=sender,
                        salt=f"salt-{n}",
                        digest=f"digest-{n}",
                        sent=True,
                        created_at=NOW,
                        expires_at=NOW + timedelta(minutes=10),
                    )
                )
    finally:
        await store.close()


async def test_a_customer_is_exported_erased_and_swept_with_the_audit_verifying(
    tmp_path: Path,
) -> None:
    async with database_url(tmp_path) as db:
        await seed(db)
        env = environment(db, tmp_path / "cache")
        salon = ("--business", "bloom-salon")

        exported = await run(env, "customer", "export", ANN, *salon)
        assert exported.returncode == 0, exported.stderr
        data = json.loads(exported.stdout)
        assert [c["phone"] for c in data["customers"]] == [ANN]
        assert [len(c["turns"]) for c in data["conversations"]] == [6]
        assert [d["id"] for d in data["dropped_bursts"]] == ["burst-0"]
        assert [c["id"] for c in data["verification_codes"]] == ["code-0"]
        assert "salt-0" not in exported.stdout and "digest-0" not in exported.stdout
        assert BEN not in exported.stdout

        dry = await run(env, "retention", "sweep", "--dry-run", "--now", LATER, "--json")
        assert dry.returncode == 0, dry.stderr
        counts = {d["business"]: d for d in json.loads(dry.stdout)}
        assert counts["bloom-salon"]["turns"] == 12 and counts["bloom-salon"]["dry_run"]
        assert counts["bloom-salon"]["dropped"] == 2
        assert counts["bloom-salon"]["codes"] == 2

        erased = await run(env, "customer", "erase", ANN, *salon)
        assert erased.returncode == 0, erased.stderr
        assert "bloom-salon: erased turns 6" in erased.stdout
        assert "dropped 1, codes 1," in erased.stdout
        again = await run(env, "customer", "erase", ANN, *salon)
        assert (again.returncode, "nothing to erase" in again.stdout) == (0, True)
        gone = await run(env, "customer", "export", ANN, *salon)
        assert gone.returncode == 1 and "nothing is held" in gone.stderr

        verified = await run(env, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "2 conversations, 12 turns: every hash chain verifies" in verified.stdout
        assert "6 turns erased" in verified.stdout

        swept = await run(env, "retention", "sweep", "--business", "bloom-salon", "--now", LATER)
        assert swept.returncode == 0, swept.stderr
        assert "bloom-salon: erased turns 6" in swept.stdout
        assert "dropped 1, codes 1," in swept.stdout  # B's burst and code; A's went with A
        verified = await run(env, "audit", "verify")
        assert verified.returncode == 0 and "12 turns erased" in verified.stdout

        listed = await run(env, "appointments", *salon, "--json")
        assert ANN not in listed.stdout and BEN in listed.stdout  # B's customer period is 730 days


async def test_an_unknown_business_or_a_bad_time_is_a_clear_error(tmp_path: Path) -> None:
    async with database_url(tmp_path) as db:
        env = environment(db, tmp_path / "cache")
        unknown = await run(env, "customer", "export", ANN, "--business", "nope")
        assert unknown.returncode == 2 and "nope" in unknown.stderr
        assert "Traceback" not in unknown.stderr
        bad = await run(env, "retention", "sweep", "--now", "tomorrow")
        assert bad.returncode == 2 and "--now" in bad.stderr and "Traceback" not in bad.stderr
