"""Settings from a TOML file, the environment and flags: which file, which value wins, where
relative paths point, and what a mistake in the file says (one line naming file and key)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from ipaddress import ip_network
from pathlib import Path

import hypothesis
import pytest
from hypothesis import strategies as st

from adapters.cli import build_parser, load_settings, main
from adapters.settings import KEYS, Settings, SettingsError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "frontdesk.toml"


@pytest.fixture(autouse=True)
def _no_config_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that read the process environment must not see a developer's own settings."""
    for name in list(os.environ):
        if name.startswith("FRONTDESK_") and name != "FRONTDESK_TEST_DB":
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def values(s: Settings) -> dict[str, object]:
    return {k: getattr(s, k) for k in KEYS}


# ---------------------------------------------------------------------- the example file


def test_every_settable_field_is_a_file_key() -> None:
    assert set(KEYS) == {f.name for f in fields(Settings)} - {"env", "config_file"}


def test_the_example_file_loads_and_documents_every_key_with_its_default(tmp_path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    documented = re.findall(r"^# ([a-z_]+) = ", text, flags=re.M)
    assert sorted(documented) == sorted(KEYS)  # every key, once
    as_shipped = Settings.load({}, config=EXAMPLE)  # all commented out: the defaults
    assert values(as_shipped) == values(Settings.from_env({}))
    assert as_shipped.config_file == EXAMPLE
    # uncommented, every documented default is a valid value and is the default (its paths
    # now relative to the file's directory)
    here = write(tmp_path / "frontdesk.toml", re.sub(r"^# ([a-z_]+ = )", r"\1", text, flags=re.M))
    loaded = Settings.load({}, config=here)
    expected = values(Settings.from_env({})) | {
        "db": f"sqlite:///{tmp_path}/frontdesk.db",
        "businesses": tmp_path / "businesses",
        "cache_dir": Path("~/.cache/frontdesk").expanduser(),
    }
    assert values(loaded) == expected


# ---------------------------------------------------------------------- precedence


def test_the_environment_beats_the_file_and_flags_beat_both(tmp_path) -> None:
    config = write(
        tmp_path / "desk.toml",
        'host = "0.0.0.0"\nport = 9000\n'
        'rate_per_sender = 5\nlog_level = "info"\ndb = "file.db"\n'
        'public_url = "https://file.example.com/"\n',
    )
    env = {"FRONTDESK_PORT": "9100", "FRONTDESK_DB": "sqlite:///env.db"}
    s = Settings.load(env, config=config)
    assert (s.host, s.port, s.rate_per_sender, s.log_level) == ("0.0.0.0", 9100, 5, "INFO")
    assert (s.db, s.public_url) == ("sqlite:///env.db", "https://file.example.com")
    assert s.rate_per_business == 600  # in neither: the default
    args = build_parser().parse_args(
        [
            "--config",
            str(config),
            "--db",
            "flag.db",
            "serve",
            "--port",
            "9200",
            "--public-url",
            "http://flag:1",
        ]
    )
    f = load_settings(args, env)
    assert (f.host, f.port, f.db, f.public_url) == ("0.0.0.0", 9200, "flag.db", "http://flag:1")
    bad = build_parser().parse_args(["--config", str(config), "serve", "--port", "0"])
    with pytest.raises(SettingsError, match=r"^--port must be a port number"):
        load_settings(bad, env)


def test_which_file(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.load({}).config_file is None  # no ./frontdesk.toml: no file, defaults
    assert values(Settings.load({})) == values(Settings.from_env({}))
    write(tmp_path / "frontdesk.toml", "port = 9001\n")
    named = write(tmp_path / "conf" / "named.toml", "port = 9002\n")
    flagged = write(tmp_path / "flagged.toml", "port = 9003\n")
    picked = Settings.load({})
    assert (picked.port, picked.config_file) == (9001, tmp_path / "frontdesk.toml")
    assert Settings.load({"FRONTDESK_CONFIG": "conf/named.toml"}).port == 9002
    assert Settings.load({"FRONTDESK_CONFIG": str(named)}, config=flagged).port == 9003
    assert Settings.from_env({}).port == 8080  # from_env never reads a file
    assert Settings.from_env({"FRONTDESK_CONFIG": str(named)}).port == 8080
    # the CLI reads the process environment
    monkeypatch.setenv("FRONTDESK_CONFIG", str(named))
    assert load_settings(build_parser().parse_args(["db", "check"])).port == 9002
    args = build_parser().parse_args(["--config", "flagged.toml", "db", "check"])
    assert load_settings(args).port == 9003


def test_a_named_file_must_exist_the_default_one_need_not(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as e:
        Settings.load({}, config="nope.toml")
    assert str(e.value) == "nope.toml: no such configuration file (named by --config)"
    with pytest.raises(SettingsError) as e:
        Settings.load({"FRONTDESK_CONFIG": "gone/desk.toml"})
    assert str(e.value) == (
        "gone/desk.toml: no such configuration file (named by FRONTDESK_CONFIG)"
    )
    (tmp_path / "adir").mkdir()
    with pytest.raises(SettingsError, match=r"^adir: cannot read: "):
        Settings.load({}, config="adir")


# ---------------------------------------------------------------------- paths


def test_relative_paths_in_the_file_are_relative_to_its_directory(tmp_path, monkeypatch) -> None:
    conf = tmp_path / "etc" / "frontdesk"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = write(
        conf / "frontdesk.toml",
        'businesses = "biz"\ncards = ["cards", "/srv/cards", "~/mine"]\n'
        'cache_dir = "../cache"\ndb = "sqlite:///data/desk.db"\n',
    )
    s = Settings.load({}, config=Path("../etc/frontdesk/frontdesk.toml"))
    assert s.businesses == conf / "biz"
    assert s.cards == (conf / "cards", Path("/srv/cards"), tmp_path / "home" / "mine")
    assert s.cache_dir == tmp_path / "etc" / "cache"
    assert s.db == f"sqlite:///{conf}/data/desk.db"  # i.e. sqlite:////abs/path
    assert s.config_file == config
    for db, resolved in [
        ("desk.db", f"{conf}/desk.db"),
        ("sqlite:////var/lib/desk.db", "sqlite:////var/lib/desk.db"),
        ("postgresql://desk@127.0.0.1:5432/desk", "postgresql://desk@127.0.0.1:5432/desk"),
    ]:
        write(config, f"db = {json.dumps(db)}\n")
        assert Settings.load({}, config=config).db == resolved
    write(config, 'cache_dir = ""\n')
    assert Settings.load({}, config=config).cache_dir is None  # "" turns the cache off
    # variables and defaults stay relative to the working directory, as without a file
    s = Settings.load(
        {
            "FRONTDESK_BUSINESSES": "biz",
            "FRONTDESK_CACHE_DIR": "c",
            "FRONTDESK_CARDS": f"a{os.pathsep}b",
        },
        config=config,
    )
    assert (s.businesses, s.cache_dir, s.cards) == (Path("biz"), Path("c"), (Path("a"), Path("b")))
    assert s.db == Settings.from_env({}).db == "sqlite:///frontdesk.db"


# ---------------------------------------------------------------------- mistakes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 70000", "port must be a port number (1-65535), not 70000"),
        ("port = 0", "port must be a port number (1-65535), not 0"),
        ('port = "8080"', "port must be an integer, not a string ('8080')"),
        ("port = true", "port must be an integer, not a boolean (True)"),
        ("torch_threads = 0", "torch_threads must be a positive integer, not 0"),
        ("rate_per_sender = -1", "rate_per_sender must be a positive integer, not -1"),
        ("rate_per_business = 1.5", "rate_per_business must be an integer, not a float (1.5)"),
        (
            'embedder = "word2vec"',
            "embedder must be one of auto, minilm, e5, minilm-torch, hashing, not 'word2vec'",
        ),
        (
            'log_level = "LOUD"',
            "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'",
        ),
        (
            'public_url = "desk.example.com"',
            "public_url must be an http(s) URL like "
            "https://desk.example.com, not 'desk.example.com'",
        ),
        (
            'twilio_api_url = "ftp://api.example.com"',
            "twilio_api_url must be an http(s) URL like "
            "https://api.example.com, not "
            "'ftp://api.example.com'",
        ),
        ('host = " "', "host must not be empty"),
        ('whatsapp_api_version = "/"', "whatsapp_api_version must not be empty"),
        (
            'cards = "cards"',
            """cards must be an array of directory paths, e.g. ["cards"], not a string ('cards')""",
        ),
        (
            "cards = [1]",
            """cards must be an array of directory paths, e.g. ["cards"], """
            "not an array ([1])",
        ),
        (
            "businesses = 2026-01-01",
            "businesses must be a string, not a date/time (datetime.date(2026, 1, 1))",
        ),
        ("prot = 8080", "unknown key 'prot' (did you mean 'port'?)"),
        ("FRONTDESK_PORT = 8080", "unknown key 'FRONTDESK_PORT' (did you mean 'port'?)"),
        (
            "public-url = 'https://x.example'",
            "unknown key 'public-url' (did you mean 'public_url'?)",
        ),
        ('colour = "red"', "unknown key 'colour'; the keys are " + ", ".join(KEYS)),
        (
            '[server]\nhost = "0.0.0.0"\nport = 80',
            "[server] is a table, but settings are top-level keys: put host, port above the first "
            "[header]",
        ),
        (
            '[server]\nhost = "0.0.0.0"\nprot = 80',
            "[server] is a table, but settings are top-level keys: put host, prot above the first "
            "[header]",
        ),
        ("port = ", "not valid TOML: Invalid value (at line 1, column 8)"),
        (
            'host = "a"\nhost = "b"',
            "not valid TOML: Cannot overwrite a value (at line 2, column 11)",
        ),
    ],
)
def test_a_mistake_in_the_file_is_one_line_naming_the_file_and_key(
    tmp_path, monkeypatch, text, message
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "frontdesk.toml", text + "\n")
    with pytest.raises(SettingsError) as e:
        Settings.load({})
    assert str(e.value) == f"frontdesk.toml: {message}"
    assert "\n" not in str(e.value)


def test_every_problem_is_reported_at_once(tmp_path) -> None:
    config = write(tmp_path / "desk.toml", 'port = 70000\nprot = 1\nembedder = "x"\n')
    with pytest.raises(SettingsError) as e:
        Settings.load({"FRONTDESK_RATE_PER_SENDER": "many"}, config=config)
    assert e.value.problems == [
        f"{config}: port must be a port number (1-65535), not 70000",
        f"{config}: unknown key 'prot' (did you mean 'port'?)",
        f"{config}: embedder must be one of auto, minilm, e5, minilm-torch, hashing, not 'x'",
        "FRONTDESK_RATE_PER_SENDER must be a positive integer, not 'many'",
    ]
    assert str(e.value) == "; ".join(e.value.problems)


def test_text_that_is_not_utf8_is_named(tmp_path) -> None:
    config = tmp_path / "desk.toml"
    config.write_bytes(b'host = "caf\xe9"\n')
    with pytest.raises(
        SettingsError,
        match=rf"^{re.escape(str(config))}: not valid TOML: "
        r"not UTF-8 text \(invalid continuation byte "
        r"at byte 11\)$",
    ):
        Settings.load({}, config=config)


def test_a_variable_is_still_checked_and_named(tmp_path) -> None:
    for env, message in [
        (
            {"FRONTDESK_PORT": "70000"},
            "FRONTDESK_PORT must be a port number (1-65535), not '70000'",
        ),
        ({"FRONTDESK_PORT": "²"}, "FRONTDESK_PORT must be a port number (1-65535), not '²'"),
        (
            {"FRONTDESK_TORCH_THREADS": "0"},
            "FRONTDESK_TORCH_THREADS must be a positive integer, not '0'",
        ),
        (
            {"FRONTDESK_LOG_LEVEL": "LOUD"},
            "FRONTDESK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'LOUD'",
        ),
        (
            {"FRONTDESK_TELEGRAM_API_URL": "api.telegram.org"},
            "FRONTDESK_TELEGRAM_API_URL must be an http(s) URL like https://api.example.com, "
            "not 'api.telegram.org'",
        ),
    ]:
        with pytest.raises(SettingsError) as e:
            Settings.load(env)
        assert str(e.value) == message
    assert Settings.from_env({"FRONTDESK_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert Settings.from_env({"FRONTDESK_EMBEDDER": ""}).embedder == "auto"  # empty = unset


def test_sessions_and_the_operations_endpoints_are_configured_and_checked(tmp_path) -> None:
    default = Settings.from_env({})
    assert (default.session_ttl_s, default.session_secret_env) == (86400, "")
    assert default.ops_allow == ("127.0.0.0/8", "::1/128") and default.ops_token_env == ""
    env = Settings.from_env(
        {
            "FRONTDESK_SESSION_TTL_S": "3600",
            "FRONTDESK_SESSION_SECRET_ENV": "DESK_SESSION_SECRET",
            "FRONTDESK_OPS_ALLOW": "10.1.2.3/16, ::1 192.0.2.7",
            "FRONTDESK_OPS_TOKEN_ENV": "DESK_OPS_TOKEN",
        }
    )
    assert env.session_ttl_s == 3600 and env.session_secret_env == "DESK_SESSION_SECRET"
    assert env.ops_allow == ("10.1.0.0/16", "::1/128", "192.0.2.7/32")
    assert env.ops_token_env == "DESK_OPS_TOKEN"
    config = write(tmp_path / "frontdesk.toml", 'ops_allow = ["10.0.0.0/8"]\nsession_ttl_s = 600\n')
    from_file = Settings.load({}, config=config)
    assert from_file.ops_allow == ("10.0.0.0/8",) and from_file.session_ttl_s == 600
    assert (
        Settings.load({}, config=write(tmp_path / "none.toml", "ops_allow = []\n")).ops_allow == ()
    )
    for env_vars, message in [
        ({"FRONTDESK_SESSION_TTL_S": "0"}, "FRONTDESK_SESSION_TTL_S must be a positive integer"),
        (
            {"FRONTDESK_SESSION_TTL_S": "2592001"},
            "FRONTDESK_SESSION_TTL_S must be at most 2592000 seconds (30 days)",
        ),
        (
            {"FRONTDESK_OPS_ALLOW": "10.0.0.0/8,everyone"},
            "FRONTDESK_OPS_ALLOW must list IP addresses or networks like 10.0.0.0/8, not 'everyone'",
        ),
        (
            {"FRONTDESK_SESSION_SECRET_ENV": "not a name"},
            "FRONTDESK_SESSION_SECRET_ENV must name an environment variable",
        ),
        (
            {"FRONTDESK_OPS_TOKEN_ENV": "$TOKEN"},
            "FRONTDESK_OPS_TOKEN_ENV must name an environment variable",
        ),
    ]:
        with pytest.raises(SettingsError, match=re.escape(message)):
            Settings.from_env(env_vars)
    bad = write(tmp_path / "bad.toml", 'ops_allow = [1]\nsession_ttl_s = "1 day"\n')
    with pytest.raises(SettingsError) as e:
        Settings.load({}, config=bad)
    assert "ops_allow must be an array of addresses or networks" in str(e.value)
    assert "session_ttl_s must be an integer" in str(e.value)


# ---------------------------------------------------------------------- the command line


def test_the_cli_says_what_is_wrong_with_the_file_in_one_line(tmp_path, capsys) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["--config", str(missing), "db", "check"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {missing}: no such configuration file (named by --config)\n"
    broken = write(tmp_path / "broken.toml", "port = [\n")
    assert main(["--config", str(broken), "appointments", "--business", "bloom-salon"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"error: {re.escape(str(broken))}: not valid TOML: .+\(at .+\)\n", err)


def _cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    return env | {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}


def test_frontdesk_config_end_to_end(tmp_path) -> None:
    """A real process: a bad file exits 2 with one line and no traceback; a good one, run
    from another directory, puts its SQLite database beside itself."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bad = write(tmp_path / "conf" / "bad.toml", "port = 70000\n")
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "--config", str(bad), "db", "check"],
        cwd=elsewhere,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {bad}: port must be a port number (1-65535), not 70000\n"
    good = write(tmp_path / "conf" / "frontdesk.toml", 'db = "state/desk.db"\n')
    (tmp_path / "conf" / "state").mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "--config",
            "../conf/frontdesk.toml",
            "db",
            "migrate",
        ],
        cwd=elsewhere,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schema version ")
    assert (good.parent / "state" / "desk.db").is_file()
    assert list(elsewhere.iterdir()) == []


# ---------------------------------------------------------------------- properties

_PROPERTY = hypothesis.settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@_PROPERTY
@hypothesis.given(
    port=st.integers(1, 65535),
    threads=st.integers(1, 2**63 - 1),
    per_sender=st.integers(1, 10**6),
    per_business=st.integers(1, 10**9),
    host=st.text(min_size=1).filter(str.strip),
)
def test_any_valid_number_in_the_file_is_what_load_returns(
    tmp_path, port, threads, per_sender, per_business, host
) -> None:
    toml_host = json.dumps(host, ensure_ascii=False).replace("\x7f", "\\u007f")
    config = write(
        tmp_path / "frontdesk.toml",
        f"port = {port}\ntorch_threads = {threads}\nrate_per_sender = {per_sender}\n"
        f"rate_per_business = {per_business}\nhost = {toml_host}\n",
    )
    s = Settings.load({}, config=config)
    assert (s.port, s.torch_threads, s.rate_per_sender, s.rate_per_business, s.host) == (
        port,
        threads,
        per_sender,
        per_business,
        host,
    )


@_PROPERTY
@hypothesis.given(
    port=_INT64.filter(lambda n: not 1 <= n <= 65535),
    count=_INT64.filter(lambda n: n < 1),
    key=st.sampled_from(
        [
            "torch_threads",
            "rate_per_sender",
            "rate_per_business",
            "rate_per_address",
            "ws_per_address",
            "sessions_per_address",
        ]
    ),
)
def test_any_invalid_number_in_the_file_is_refused_by_name(tmp_path, port, count, key) -> None:
    config = write(tmp_path / "frontdesk.toml", f"port = {port}\n{key} = {count}\n")
    with pytest.raises(SettingsError) as e:
        Settings.load({}, config=config)
    assert e.value.problems == [
        f"{config}: port must be a port number (1-65535), not {port}",
        f"{config}: {key} must be a positive integer, not {count}",
    ]


# ---------------------------------------------------------------------- outbound_allow


def test_outbound_allow_is_an_array_in_the_file_and_a_list_in_the_variable(tmp_path) -> None:
    config = write(
        tmp_path / "desk.toml", 'outbound_allow = ["hooks.internal:8080", "10.0.0.0/8"]\n'
    )
    assert Settings.load({}, config=config).outbound_allow == ("hooks.internal:8080", "10.0.0.0/8")
    variable = {"FRONTDESK_OUTBOUND_ALLOW": " 127.0.0.1:9000, [::1]  fd00::/8,"}
    assert Settings.from_env(variable).outbound_allow == ("127.0.0.1:9000", "[::1]", "fd00::/8")
    assert Settings.from_env({}).outbound_allow == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'outbound_allow = "10.0.0.0/8"',
            'outbound_allow must be an array of hosts, e.g. ["hooks.internal:8080", '
            "\"10.0.0.0/8\"], not a string ('10.0.0.0/8')",
        ),
        (
            'outbound_allow = ["https://hooks.internal"]',
            "outbound_allow: 'https://hooks.internal' is not a host name, host:port, IP address "
            "or CIDR network (e.g. hooks.internal, hooks.internal:8080, 10.0.0.5, [::1]:9000, "
            "10.0.0.0/8)",
        ),
    ],
)
def test_a_bad_outbound_allow_is_named(tmp_path, text, message) -> None:
    config = write(tmp_path / "desk.toml", text + "\n")
    with pytest.raises(SettingsError) as e:
        Settings.load({}, config=config)
    assert str(e.value) == f"{config}: {message}"
    with pytest.raises(SettingsError, match="^FRONTDESK_OUTBOUND_ALLOW: 'x:0' is not a host"):
        Settings.from_env({"FRONTDESK_OUTBOUND_ALLOW": "ok.example,x:0"})


# ---------------------------------------------------------------------- limits and proxies


def test_limits_and_proxies_from_the_environment_and_the_file(tmp_path) -> None:
    default = Settings.from_env({})
    assert (default.rate_per_address, default.ws_per_address, default.sessions_per_address) == (
        60,
        20,
        30,
    )
    assert default.trusted_proxies == ()
    assert (default.header_timeout_s, default.body_timeout_s) == (10.0, 30.0)
    env = Settings.from_env(
        {
            "FRONTDESK_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1",
            "FRONTDESK_RATE_PER_ADDRESS": "5",
            "FRONTDESK_HEADER_TIMEOUT_S": "2.5",
        }
    )
    assert env.trusted_proxies == (
        ip_network("127.0.0.1/32"),
        ip_network("10.0.0.0/8"),
        ip_network("::1/128"),
    )
    assert (env.rate_per_address, env.header_timeout_s) == (5, 2.5)
    config = write(
        tmp_path / "frontdesk.toml",
        'trusted_proxies = ["192.168.1.7/24"]\nbody_timeout_s = 4\nws_per_address = 2\n',
    )
    loaded = Settings.load({}, config=config)
    assert loaded.trusted_proxies == (ip_network("192.168.1.0/24"),)  # the host bits dropped
    assert (loaded.body_timeout_s, loaded.ws_per_address) == (4.0, 2)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            'trusted_proxies = ["10.0.0.0/8", "proxy.local"]',
            "trusted_proxies must list IP addresses or networks like 10.0.0.0/8, not 'proxy.local'",
        ),
        (
            'trusted_proxies = "10.0.0.1"',
            "trusted_proxies must be an array of addresses or networks, e.g. "
            "[\"10.0.0.0/8\"], not a string ('10.0.0.1')",
        ),
        ("header_timeout_s = 0", "header_timeout_s must be a number of seconds (0-600], not 0"),
        (
            'body_timeout_s = "slow"',
            "body_timeout_s must be a number of seconds, not a string ('slow')",
        ),
    ],
)
def test_a_bad_limit_or_proxy_is_named(tmp_path, line, problem) -> None:
    config = write(tmp_path / "frontdesk.toml", line + "\n")
    with pytest.raises(SettingsError) as e:
        Settings.load({}, config=config)
    assert e.value.problems == [f"{config}: {problem}"]
    with pytest.raises(SettingsError, match="FRONTDESK_TRUSTED_PROXIES must list"):
        Settings.from_env({"FRONTDESK_TRUSTED_PROXIES": "10.0.0.1,300.1.1.1"})
