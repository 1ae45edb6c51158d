"""Business files from the command line, as real subprocesses: the JSON Schema and the
generated field reference, every problem of every file in one run, a broken file of one
business not stopping a command for another, ``verify`` counting a broken file as a
failure, ``init`` writing a starter business that loads and verifies, and the command
line's manners (``--version``, help on every option, a closed pipe, a missing folder)."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from adapters.cli import build_parser
from adapters.cli.business import REFERENCE, field_reference
from tests.fakes.cli import CLI, REPO, TIMEOUT, environment

DEMO = REPO / "adapters" / "demo" / "businesses"


def run(
    env: dict[str, str], *args: str, cwd: Path = REPO, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        input=stdin,
    )


def fast(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment that needs no embedding model (the hashing embedder)."""
    return environment(tmp / "x.db", FRONTDESK_EMBEDDER="hashing", **extra)


# ---------------------------------------------------------------------- schema, reference


def test_business_schema_is_the_json_schema_of_a_business_file(tmp_path: Path) -> None:
    done = run(fast(tmp_path), "business", "schema")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert "json-schema.org" in schema["$schema"]
    assert {"slug", "timezone", "hours", "staff", "services", "topics"} <= set(schema["required"])
    assert {"Staff", "Service", "TimeOff", "TopicUse"} <= set(schema["$defs"])


def _fields(schema: dict[str, object]) -> list[tuple[str, str, dict[str, object]]]:
    models = {"Business": schema, **schema["$defs"]}  # type: ignore[dict-item]
    return [
        (model, name, prop)
        for model, body in models.items()
        for name, prop in body.get("properties", {}).items()
    ]


def test_every_field_of_a_business_file_is_described() -> None:
    from adapters.cli.business import business_schema

    undescribed = [
        f"{m}.{n}"
        for m, n, p in _fields(business_schema())
        if not str(p.get("description", "")).strip()
    ]
    assert undescribed == [], "add a Field(description=...) to these"


def test_the_committed_field_reference_is_up_to_date(tmp_path: Path) -> None:
    committed = (REPO / REFERENCE).read_text(encoding="utf-8")
    assert committed == field_reference(), (
        f"{REFERENCE} is out of date: run `frontdesk business schema --markdown > {REFERENCE}`"
    )
    done = run(fast(tmp_path), "business", "schema", "--markdown")
    assert done.returncode == 0 and done.stdout == committed
    for model, name, _ in _fields(json.loads(run(fast(tmp_path), "business", "schema").stdout)):
        assert f"| `{name}` |" in committed, (model, name)


# ---------------------------------------------------------------------- every problem at once


def broken_folder(tmp: Path) -> tuple[Path, dict[str, int]]:
    """The demo folder with bloom-salon's file broken in several cross-references at once
    (and one format error); returns the folder and the line of each mistake."""
    folder = tmp / "businesses"
    shutil.copytree(DEMO, folder)
    path = folder / "bloom-salon.yaml"
    text = path.read_text(encoding="utf-8")
    changes = {
        "services": (
            "services: [womens_cut, mens_cut, root_color]",
            "services: [womens_cut, mens_cut, root_colour]",
        ),
        "time_off": (
            "services: [womens_cut, mens_cut, kids_cut, blowout]",
            "services: [womens_cut, mens_cut, kids_cut, blowout]\n"
            "    time_off: [{start: 2026-12-01, end: 2026-12-05}, 2026-12-03]",
        ),
        "duration": ("duration_min: 180", "duration_min: 900"),
        "department": ("during_hours_transfer: front_desk", "during_hours_transfer: frontdesk"),
        "card": ("  - card: faq\n", "  - card: fqa\n"),
        "key": ("    name: Jordan\n", "    name: Jordan\n    servces: [balayage]\n"),
    }
    for old, new in changes.values():
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    marks = {
        "services": "root_colour",
        "time_off": "2026-12-03",
        "duration": "900",
        "department": "frontdesk",
        "card": "card: fqa",
        "key": "servces",
    }
    return folder, {k: next(i for i, x in enumerate(lines, 1) if m in x) for k, m in marks.items()}


def test_business_check_lists_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    folder, line = broken_folder(tmp_path)
    done = run(fast(tmp_path, FRONTDESK_BUSINESSES=str(folder)), "business", "check")
    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    path = folder / "bloom-salon.yaml"
    expected = [
        f"{path}:{line['services']}: staff[0].services[2]: staff 'alex' names an unknown "
        "service 'root_colour' (did you mean 'root_color'? services: ",
        f"{path}:{line['time_off']}: staff[1].time_off[1]: time off of staff 'sam' overlaps",
        f"{path}:{line['key']}: staff[2].servces: unknown key (did you mean 'services'?)",
        f"{path}:{line['duration']}: services[6].duration_min: service 'balayage' takes 900 "
        "min, longer than any opening window",
        f"{path}:{line['department']}: emergency.during_hours_transfer: unknown department "
        "'frontdesk' (did you mean 'front_desk'?",
        f"{path}:{line['card']}: topics[3].card: unknown card 'fqa' (did you mean 'faq'?",
    ]
    out = done.stdout.splitlines()
    assert len(out) == len(expected), done.stdout
    for start, got in zip(expected, out, strict=True):  # in line order
        assert got.startswith(start), (start, got)
    assert "6 problems in 1 of 3 business files" in done.stderr
    # the same file alone, by path
    alone = run(fast(tmp_path), "business", "check", str(path))
    assert alone.returncode == 2 and alone.stdout == done.stdout
    good = run(fast(tmp_path), "business", "check", str(DEMO / "praxis-sommer.yaml"))
    assert good.returncode == 0 and good.stdout.startswith("ok: 1 business")


def test_a_broken_file_of_another_business_does_not_stop_a_command_for_one(tmp_path: Path) -> None:
    folder, _ = broken_folder(tmp_path)
    env = fast(tmp_path, FRONTDESK_BUSINESSES=str(folder))
    chat = run(
        env,
        "chat",
        "--business",
        "praxis-sommer",
        "--lang",
        "de",
        stdin="Wann haben Sie geöffnet?\n",
    )
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.startswith("desk: ") and "bloom" not in chat.stderr
    listed = run(env, "appointments", "--business", "rapid-rooter", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    shown = run(env, "cards", "show", "book", "--business", "rapid-rooter")
    assert shown.returncode == 0, shown.stderr
    # the broken one itself: every one of its problems, and nothing runs
    own = run(env, "appointments", "--business", "bloom-salon")
    assert own.returncode == 2 and own.stdout == ""
    assert own.stderr.count("bloom-salon.yaml:") == 6, own.stderr
    assert own.stderr.splitlines()[-1] == "error: 6 problems (above)"


def test_verify_counts_a_broken_business_file_as_a_failure(tmp_path: Path) -> None:
    folder = tmp_path / "businesses"
    folder.mkdir()
    shutil.copy(REPO / "adapters" / "demo" / "starter" / "businesses" / "my-business.yaml", folder)
    (folder / "broken.yaml").write_text(
        (DEMO / "bloom-salon.yaml")
        .read_text(encoding="utf-8")
        .replace("during_hours_transfer: front_desk", "during_hours_transfer: frontdesk"),
        encoding="utf-8",
    )
    env = fast(tmp_path, FRONTDESK_BUSINESSES=str(folder))
    done = run(env, "verify", "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert {c["card"].split("/")[0] for c in report["cards"]} == {"my-business"}
    assert all(c["result"] == "OK" for c in report["cards"])
    [bad] = report["invalid_businesses"]
    assert bad["file"] == str(folder / "broken.yaml") and bad["business"] == "bloom-salon"
    assert any("unknown department 'frontdesk'" in p for p in bad["problems"])


def test_a_business_folder_that_is_not_there_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for env, args in (
        (fast(tmp_path, FRONTDESK_BUSINESSES=str(missing)), ()),
        (fast(tmp_path), ("--businesses", str(missing))),
    ):
        done = run(env, *args, "chat", "--business", "bloom-salon", stdin="hi\n")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [
            f"error: no business folder at {missing} (set --businesses DIR or "
            "FRONTDESK_BUSINESSES; frontdesk init DIR writes a starter business)"
        ]


def test_an_unknown_business_says_which_there_are(tmp_path: Path) -> None:
    done = run(fast(tmp_path), "appointments", "--business", "bloom")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "error: unknown business 'bloom' (did you mean 'bloom-salon'? businesses in "
    )
    assert "praxis-sommer, rapid-rooter" in done.stderr


# ---------------------------------------------------------------------- init


def test_init_writes_a_starter_business_that_loads_and_verifies(tmp_path: Path) -> None:
    env = fast(tmp_path)
    env.pop("FRONTDESK_BUSINESSES")
    env.pop("FRONTDESK_DB")
    done = run(env, "init", "shop", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shop = tmp_path / "shop"
    assert sorted(str(p.relative_to(shop)) for p in shop.rglob("*") if p.is_file()) == [
        "businesses/my-business.yaml",
        "frontdesk.toml",
    ]
    starter = (shop / "businesses" / "my-business.yaml").read_text(encoding="utf-8")
    assert starter.count("\n#") >= 20  # every section explained
    # run inside it: its frontdesk.toml names the folder and the database
    checked = run(env, "business", "check", cwd=shop)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == f"ok: 1 business ({shop / 'businesses'})"
    chat = run(
        env,
        "chat",
        "--business",
        "my-business",
        "--now",
        "2026-11-24T10:00",
        cwd=shop,
        stdin="I'd like to book a consultation tomorrow\n",
    )
    assert chat.returncode == 0, chat.stderr
    assert "Wed 25 Nov" in chat.stdout, chat.stdout
    assert (shop / "frontdesk.db").exists()
    proved = run(env, "verify", "--business", "my-business", cwd=shop)
    assert proved.returncode == 0, proved.stdout + proved.stderr
    # a second init writes nothing over the first
    (shop / "businesses" / "my-business.yaml").write_text("mine", encoding="utf-8")
    again = run(env, "init", str(shop), cwd=tmp_path)
    assert again.returncode == 2 and "already exist" in again.stderr
    assert (shop / "businesses" / "my-business.yaml").read_text(encoding="utf-8") == "mine"
    assert run(env, "init", cwd=shop / "businesses").returncode == 0  # "." by default
    assert (shop / "businesses" / "frontdesk.toml").exists()


# ---------------------------------------------------------------------- manners


def test_version_is_the_installed_distributions(tmp_path: Path) -> None:
    done = run(fast(tmp_path), "--version")
    assert done.returncode == 0 and done.stdout == f"frontdesk {version('frontdesk')}\n"


def _every_parser(parser: argparse.ArgumentParser, path: str = "frontdesk"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions}
            for name, sub in action.choices.items():
                assert name in helped, f"{path} {name} has no help text"
                yield from _every_parser(sub, f"{path} {name}")


def test_every_option_argument_and_subcommand_has_help() -> None:
    missing = [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, parser in _every_parser(build_parser())
        for a in parser._actions
        if not isinstance(a, argparse._SubParsersAction) and not (a.help or "").strip()
    ]
    assert missing == []


def test_a_closed_pipe_ends_quietly_with_status_141(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*CLI, "business", "schema"],
        cwd=REPO,
        env=fast(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before a byte is written
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=TIMEOUT) == 141
    assert err == ""
    # in a shell pipeline, as people type it: nothing on stderr either
    shell = subprocess.run(
        ["sh", "-c", " ".join([*CLI, "business", "schema", "--markdown"]) + " | head -1"],
        cwd=REPO,
        env=fast(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert shell.stdout == "# The business file\n" and shell.stderr == ""


def test_python_m_adapters_cli_is_the_same_program(tmp_path: Path) -> None:
    entry = shutil.which("frontdesk", path=os.path.dirname(sys.executable))
    assert entry is not None
    both = [
        subprocess.run(
            cmd, cwd=tmp_path, env=fast(tmp_path), capture_output=True, text=True, timeout=TIMEOUT
        )
        for cmd in ([entry, "business", "--help"], [*CLI, "business", "--help"])
    ]
    assert both[0].returncode == both[1].returncode == 0
    assert re.sub(r"^usage: \S+", "", both[0].stdout) == re.sub(r"^usage: \S+", "", both[1].stdout)


@pytest.mark.parametrize("args", [("cards", "schema"), ("business", "check")])
def test_no_command_prints_a_traceback_for_a_broken_configuration_file(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    bad = tmp_path / "frontdesk.toml"
    bad.write_text("businesses = 3\n", encoding="utf-8")
    done = run(fast(tmp_path), "--config", str(bad), *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {bad}: businesses must be a string")
