"""``frontdesk serve`` as a real process: it comes up, answers, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from adapters.cli import build_parser
from adapters.cli.serve import exposure_warning
from adapters.http.sessions import SECRET_VARIABLE
from adapters.settings import Settings, SettingsError
from adapters.wiring import repo_path
from tests.dbs import database_url_sync


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_answers_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    with database_url_sync(tmp_path) as url:
        env = {
            **os.environ,
            "FRONTDESK_DB": url,
            "FRONTDESK_EMBEDDER": "hashing",
            "FRONTDESK_CACHE_DIR": str(tmp_path / "cache"),
            "FRONTDESK_LOG_LEVEL": "INFO",
            "FRONTDESK_BUSINESSES": str(repo_path("examples", "businesses")),
        }
        log = (tmp_path / "serve.log").open("w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)],
            cwd=repo_path(),
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        assert r.status == 200 and r.read() == b"ok"
                        break
                except OSError:
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.2)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                assert r.status == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0, (tmp_path / "serve.log").read_text()[-3000:]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
        lines = (tmp_path / "serve.log").read_text().splitlines()
        assert any('"event": "serving"' in line and f'"port": {port}' in line for line in lines), (
            lines[-20:]
        )


def test_serve_warns_when_it_listens_beyond_loopback_without_a_public_url() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert exposure_warning(host, "") == "", host
    for host in ("0.0.0.0", "::", "", "192.0.2.10", "desk.example.com", "::ffff:10.0.0.1"):
        warning = exposure_warning(host, "")
        assert warning.startswith("WARNING:") and "public_url" in warning, host
        assert exposure_warning(host, "https://desk.example.com") == ""


def test_serve_settings_come_from_the_environment_and_are_checked() -> None:
    s = Settings.from_env(
        {
            "FRONTDESK_HOST": "0.0.0.0",
            "FRONTDESK_PORT": "9000",
            "FRONTDESK_PUBLIC_URL": "https://desk.example.com/",
        }
    )
    assert (s.host, s.port, s.public_url) == ("0.0.0.0", 9000, "https://desk.example.com")
    d = Settings.from_env({})
    assert (d.host, d.port, d.public_url) == ("127.0.0.1", 8080, "")
    for bad in (
        {"FRONTDESK_PORT": "0"},
        {"FRONTDESK_PORT": "http"},
        {"FRONTDESK_PORT": "70000"},
        {"FRONTDESK_PUBLIC_URL": "desk.example.com"},
        {"FRONTDESK_PUBLIC_URL": "ftp://desk.example.com"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env(bad)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8181"])
    assert (args.host, args.port, args.public_url) == ("0.0.0.0", 8181, None)


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, "serve did not come up"
        time.sleep(0.2)


def _serving(log: Path) -> list[dict[str, object]]:
    import json

    return [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{") and '"event": "serving"' in line
    ]


def test_serve_with_two_workers_shares_the_port_sums_metrics_and_restarts_a_dead_worker(
    tmp_path: Path,
) -> None:
    import asyncio
    import re

    import aiohttp

    port = _free_port()
    log_path = tmp_path / "serve.log"
    with database_url_sync(tmp_path) as url:
        env = {
            **os.environ,
            "FRONTDESK_DB": url,
            "FRONTDESK_EMBEDDER": "hashing",
            "FRONTDESK_CACHE_DIR": str(tmp_path / "cache"),
            "FRONTDESK_LOG_LEVEL": "INFO",
            "FRONTDESK_BUSINESSES": str(repo_path("examples", "businesses")),
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        log = log_path.open("w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=repo_path(),
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            _wait_healthy(proc, port, log_path)
            deadline = time.monotonic() + 120
            while len(_serving(log_path)) < 2:  # the second worker may come up later
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
            assert sorted(str(e["worker"]) for e in _serving(log_path)) == ["1", "2"]

            async def customers(n: int) -> list[str]:
                async def one(i: int) -> str:
                    async with (
                        aiohttp.ClientSession() as session,
                        session.ws_connect(f"ws://127.0.0.1:{port}/ws/bloom-salon") as ws,
                    ):
                        await ws.send_json({"type": "hello", "session": "", "lang": "en"})
                        while (await ws.receive_json())["type"] != "welcome":
                            pass
                        await ws.send_json(
                            {
                                "type": "message",
                                "id": "m1",
                                "text": f"What are your opening hours? ({i})",
                            }
                        )
                        while (frame := await ws.receive_json())["type"] != "reply":
                            pass
                        return str(frame["text"])

                return await asyncio.gather(*(one(i) for i in range(n)))

            replies = asyncio.run(customers(20))
            assert len(replies) == 20 and all(replies)

            def answered() -> float:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    text = r.read().decode()
                found = re.search(
                    r'^frontdesk_turns_total\{channel="webchat",'
                    r'outcome="answered"\} (\S+)$',
                    text,
                    re.M,
                )
                return float(found.group(1)) if found else 0.0

            # every scrape, whichever worker answers it, shows the sum of both
            assert [answered() for _ in range(6)] == [20.0] * 6

            async def reconnections(n: int) -> list[bool]:
                """One customer's session, then ``n`` new connections with it, each taken by
                whichever worker the kernel picks: all of them know the session."""
                url = f"ws://127.0.0.1:{port}/ws/bloom-salon"
                async with aiohttp.ClientSession() as session:
                    async with session.ws_connect(url) as ws:
                        await ws.send_json({"type": "hello", "session": "", "lang": "en"})
                        token = (await ws.receive_json())["session"]
                        await ws.send_json({"type": "message", "id": "r1", "text": "Hello"})
                        while (await ws.receive_json())["type"] != "reply":
                            pass
                    resumed = []
                    for _ in range(n):
                        async with session.ws_connect(url) as ws:
                            await ws.send_json({"type": "hello", "session": token, "lang": "en"})
                            welcome = await ws.receive_json()
                            resumed.append(welcome["resumed"] and len(welcome["history"]) == 2)
                    return resumed

            assert asyncio.run(reconnections(8)) == [True] * 8
            # the workers' shared secret came through their environment: not on a command
            # line, not in the log
            for event in _serving(log_path):
                pid = int(str(event["pid"]))
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                [secret] = [
                    v.split(b"=", 1)[1] for v in environ if v.startswith(SECRET_VARIABLE.encode())
                ]
                assert len(secret) >= 32
                assert secret not in Path(f"/proc/{pid}/cmdline").read_bytes()
                assert secret.decode() not in log_path.read_text()

            victim = int(str(_serving(log_path)[0]["pid"]))
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 120
            while len(_serving(log_path)) < 3:  # the supervisor starts it again
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[
                    -3000:
                ]
                time.sleep(0.2)
            assert len(asyncio.run(customers(4))) == 4
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=90) == 0, log_path.read_text()[-3000:]
            # and a supervisor that is killed outright takes its workers with it
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapters.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    "2",
                ],
                cwd=repo_path(),
                env=env,
                stdout=log,
                stderr=log,
            )
            deadline = time.monotonic() + 120
            while len(_serving(log_path)) < 5:
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[
                    -3000:
                ]
                time.sleep(0.2)
            workers = [int(str(e["pid"])) for e in _serving(log_path)[3:]]
            proc.kill()
            proc.wait()
            deadline = time.monotonic() + 60
            while any(_alive(pid) for pid in workers):
                assert time.monotonic() < deadline, "workers outlived their supervisor"
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"
    except OSError:
        return False


def _half_broken_folder(tmp_path: Path) -> Path:
    """The demo businesses with two of them broken (praxis-sommer in two places)."""
    folder = tmp_path / "businesses"
    shutil.copytree(repo_path("examples", "businesses"), folder)
    for name, old, new in (
        ("bloom-salon", "  - card: faq\n", "  - card: fqa\n"),
        ("praxis-sommer", "timezone: Europe/Berlin", "timezone: Berlin"),
        ("praxis-sommer", "  - card: hours\n", "  - card: hour\n"),
    ):
        path = folder / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_lists_every_problem_of_every_file_and_refuses_to_start(
    tmp_path: Path, workers: str
) -> None:
    folder = _half_broken_folder(tmp_path)
    env = {
        **os.environ,
        "FRONTDESK_DB": str(tmp_path / "x.db"),
        "FRONTDESK_EMBEDDER": "hashing",
        "FRONTDESK_BUSINESSES": str(folder),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "serve",
            "--port",
            str(_free_port()),
            "--workers",
            workers,
        ],
        cwd=repo_path(),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stderr
    problems = done.stderr.splitlines()
    assert problems[-1] == "error: 3 problems (above)"
    assert [p.split(": ")[1] for p in problems[:-1]] == [
        "topics[3].card",
        "timezone",
        "topics[4].card",
    ]
    assert problems[0].startswith(f"{folder / 'bloom-salon.yaml'}:")
    assert "unknown card 'hour' (did you mean 'hours'?" in problems[2]


def test_serve_skip_invalid_serves_the_valid_businesses_and_warns_of_each_skipped_one(
    tmp_path: Path,
) -> None:
    import json

    folder = _half_broken_folder(tmp_path)
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with database_url_sync(tmp_path) as url:
        env = {
            **os.environ,
            "FRONTDESK_DB": url,
            "FRONTDESK_EMBEDDER": "hashing",
            "FRONTDESK_BUSINESSES": str(folder),
            "FRONTDESK_LOG_LEVEL": "WARNING",
        }
        with log_path.open("w+") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapters.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--skip-invalid",
                ],
                cwd=repo_path(),
                env=env,
                stdout=log,
                stderr=log,
            )
            try:
                _wait_healthy(proc, port, log_path)
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    page = r.read().decode()
                assert "/chat/rapid-rooter" in page and "/chat/bloom-salon" not in page
                for slug, status in (("rapid-rooter", 200), ("praxis-sommer", 404)):
                    try:
                        with urllib.request.urlopen(
                            f"http://127.0.0.1:{port}/chat/{slug}", timeout=5
                        ) as r:
                            got = r.status
                    except urllib.error.HTTPError as e:
                        got = e.code
                    assert got == status, slug
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=60) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    skipped = [
        json.loads(line)
        for line in log_path.read_text().splitlines()
        if line.startswith("{") and "skipping invalid business file" in line
    ]
    assert sorted((e["business"], e["level"], len(e["problems"])) for e in skipped) == [
        ("bloom-salon", "warning", 1),
        ("praxis-sommer", "warning", 2),
    ]
