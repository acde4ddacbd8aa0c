"""Settings: defaults < config file < MUD_* environment < command line, every value checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mud.config import Settings, bundled_world, from_environment, load_settings
from mud.errors import StartupError

ROOT = Path(__file__).resolve().parent.parent


def config(tmp_path: Path, text: str, name: str = "mud.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def failure(**kwargs) -> str:
    kwargs.setdefault("environ", {})
    with pytest.raises(StartupError) as caught:
        load_settings(**kwargs)
    return str(caught.value)


def test_defaults():
    settings = load_settings(environ={})
    assert settings == Settings()
    assert settings.telnet == ("tcp:4000",)
    assert settings.web == ("tcp:4080",)
    assert settings.data == "./var"
    assert settings.autosave == 60.0
    assert settings.max_line == 4096
    assert Path(settings.world) == ROOT / "worlds" / "emberfall"


def test_bundled_world_is_a_real_world_folder():
    assert (Path(bundled_world()) / "world.yaml").is_file()


def test_config_file_values(tmp_path):
    path = config(tmp_path, "telnet: [tcp:5000, 'tcp:5001:interface=127.0.0.1']\n"
                            "web: tcp:6000\nautosave: 15\nmax_line: 1024\n"
                            "world: /srv/worlds/big\ndata: /var/lib/mud\n")
    settings = load_settings(path, environ={})
    assert settings.telnet == ("tcp:5000", "tcp:5001:interface=127.0.0.1")
    assert settings.web == ("tcp:6000",)
    assert settings.autosave == 15.0
    assert settings.max_line == 1024
    assert settings.world == "/srv/worlds/big"
    assert settings.data == "/var/lib/mud"


def test_relative_paths_in_the_config_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    (tmp_path / "etc").mkdir()
    config(tmp_path / "etc", "world: worlds/mine\ndata: ./state\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(os.path.join("etc", "mud.yaml"), environ={})
    assert Path(settings.world) == tmp_path / "etc" / "worlds" / "mine"
    assert os.path.normpath(settings.data) == str(tmp_path / "etc" / "state")


def test_empty_config_file_means_defaults(tmp_path):
    assert load_settings(config(tmp_path, "# nothing\n"), environ={}) == Settings()


def test_null_values_in_the_file_keep_the_default(tmp_path):
    assert load_settings(config(tmp_path, "autosave:\n"), environ={}).autosave == 60.0


def test_config_file_named_by_environment(tmp_path):
    path = config(tmp_path, "autosave: 5\n")
    assert load_settings(environ={"MUD_CONFIG": path}).autosave == 5.0


def test_environment_values():
    settings = load_settings(environ={
        "MUD_TELNET": "tcp:4000, tcp:4001 tcp:4002", "MUD_WEB": "tcp:9000",
        "MUD_AUTOSAVE": " 30 ", "MUD_MAX_LINE": "512", "MUD_WORLD": "w", "MUD_DATA": "d",
        "MUD_UNRELATED": "ignored", "HOME": "/root", "MUD_DATA_EXTRA": "x",
    })
    assert settings.telnet == ("tcp:4000", "tcp:4001", "tcp:4002")
    assert settings.web == ("tcp:9000",)
    assert settings.autosave == 30.0
    assert settings.max_line == 512
    assert (settings.world, settings.data) == ("w", "d")


def test_blank_environment_values_are_ignored():
    assert from_environment({"MUD_AUTOSAVE": "  ", "MUD_TELNET": ""}) == {}


def test_environment_overrides_the_file(tmp_path):
    path = config(tmp_path, "autosave: 15\nmax_line: 1024\n")
    settings = load_settings(path, environ={"MUD_AUTOSAVE": "20"})
    assert settings.autosave == 20.0
    assert settings.max_line == 1024


def test_command_line_overrides_environment_and_file(tmp_path):
    path = config(tmp_path, "autosave: 15\nworld: here\n")
    settings = load_settings(path, environ={"MUD_AUTOSAVE": "20", "MUD_WORLD": "env-world"},
                             command_line={"autosave": "25", "world": None})
    assert settings.autosave == 25.0
    assert settings.world == "env-world"


def test_command_line_relative_paths_are_left_alone():
    settings = load_settings(environ={}, command_line={"world": "worlds/x", "data": "var2"})
    assert (settings.world, settings.data) == ("worlds/x", "var2")


def test_unknown_key_in_the_file(tmp_path):
    path = config(tmp_path, "telnet: tcp:4000\ncolour: red\n")
    message = failure(config_file=path)
    assert message.startswith(f"{path}: unknown setting 'colour' (known: ")
    assert "autosave" in message


def test_unknown_key_on_the_command_line():
    assert failure(command_line={"port": "4000"}).startswith(
        "command line: unknown setting 'port'")


@pytest.mark.parametrize(("text", "expected"), [
    ("autosave: soon\n", "'autosave' must be a number, not 'soon'"),
    ("max_line: lots\n", "'max_line' must be a whole number, not 'lots'"),
    ("max_line: [1]\n", "'max_line' must be a whole number, not [1]"),
    ("autosave: 0.5\n", "'autosave' must be at least 1, not 0.5"),
    ("max_line: 100\n", "'max_line' must be at least 256, not 100"),
])
def test_bad_numbers_in_the_file(tmp_path, text, expected):
    path = config(tmp_path, text)
    assert failure(config_file=path) == f"{path}: {expected}"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("MUD_AUTOSAVE", "soon", "environment: 'autosave' must be a number, not 'soon'"),
    ("MUD_MAX_LINE", "12.5", "environment: 'max_line' must be a whole number, not '12.5'"),
    ("MUD_AUTOSAVE", "-3", "environment: 'autosave' must be at least 1, not '-3'"),
])
def test_bad_numbers_in_the_environment(name, value, expected):
    assert failure(environ={name: value}) == expected


def test_bad_number_on_the_command_line():
    assert failure(command_line={"max_line": "x"}) == (
        "command line: 'max_line' must be a whole number, not 'x'")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_autosave_is_refused(value):
    assert "'autosave'" in failure(environ={"MUD_AUTOSAVE": value})


ENDPOINT_ERROR = "'telnet' must be an endpoint string such as 'tcp:4000', or a list of them"


@pytest.mark.parametrize("text", ["telnet: []\n", "telnet: [4000]\n", "telnet: ''\n",
                                  "telnet: [tcp:4000, '  ']\n", "telnet: {tcp: 4000}\n",
                                  "telnet: 4000\n"])
def test_bad_endpoint_lists_in_the_file(tmp_path, text):
    path = config(tmp_path, text)
    assert failure(config_file=path) == f"{path}: {ENDPOINT_ERROR}"


def test_bad_endpoint_list_in_the_environment():
    assert failure(environ={"MUD_WEB": " , "}) == (
        "environment: 'web' must be an endpoint string such as 'tcp:4000', or a list of them")


@pytest.mark.parametrize("text", ["world: ''\n", "data: 5\n", "world: [a, b]\n"])
def test_bad_paths(tmp_path, text):
    path = config(tmp_path, text)
    message = failure(config_file=path)
    assert message.startswith(f"{path}: '")
    assert "must be a path" in message


def test_invalid_yaml(tmp_path):
    path = config(tmp_path, "telnet: tcp:4000\nweb: [tcp:4080\nautosave: 5\n")
    message = failure(config_file=path)
    assert message.startswith(f"{path}: line ")
    assert "not valid YAML" in message


def test_config_file_that_is_not_a_mapping(tmp_path):
    path = config(tmp_path, "- telnet\n- web\n")
    assert failure(config_file=path) == f"{path}: must be a mapping of setting names to values"


def test_missing_config_file(tmp_path):
    path = str(tmp_path / "nope.yaml")
    assert failure(config_file=path) == (
        f"{path}: cannot read the config file (No such file or directory)")


def test_missing_config_file_named_by_environment(tmp_path):
    path = str(tmp_path / "gone.yaml")
    assert failure(environ={"MUD_CONFIG": path}).startswith(f"{path}: cannot read")


@pytest.mark.parametrize("key, value", [("autosave", True), ("max_line", 4096.5),
                                        ("max_line", "12abc"), ("max_line", False)])
def test_values_that_only_look_like_numbers_are_refused(key, value):
    with pytest.raises(StartupError, match=f"'{key}' must be"):
        Settings().with_values({key: value}, "test.yaml")


def test_whole_number_strings_and_floats_are_accepted_for_max_line():
    assert Settings().with_values({"max_line": "8192"}, "env").max_line == 8192
    assert Settings().with_values({"max_line": 8192.0}, "file").max_line == 8192


def test_registration_and_reserved_name_settings_from_every_source(tmp_path):
    assert Settings().registrations_per_hour == 5
    assert {"admin", "sysop", "someone", "you", "guest"} <= set(Settings().reserved_names)
    path = config(tmp_path, "registrations_per_hour: 2\nreserved_names: [Boss, Chief]\n")
    settings = load_settings(path, environ={})
    assert (settings.registrations_per_hour, settings.reserved_names) == (2, ("boss", "chief"))
    settings = load_settings(environ={"MUD_RESERVED_NAMES": "Boss, Chief Kingpin",
                                      "MUD_REGISTRATIONS_PER_HOUR": "12"})
    assert settings.reserved_names == ("boss", "chief", "kingpin")
    assert settings.registrations_per_hour == 12
    assert load_settings(command_line={"registrations_per_hour": "3"},
                         environ={}).registrations_per_hour == 3
    assert "'reserved_names' must be a list of names" in failure(
        config_file=config(tmp_path, "reserved_names: [ok, 'not ok']\n"))
    assert "'reserved_names' must be a list of names" in failure(
        config_file=config(tmp_path, "reserved_names: [7]\n"))
    assert "'registrations_per_hour' must be at least 1" in failure(
        environ={"MUD_REGISTRATIONS_PER_HOUR": "0"})
    from mud.tap import Options
    options = Options()
    options.parseOptions(["--registrations-per-hour", "7"])
    assert options.settings.registrations_per_hour == 7


def test_the_example_config_loads_and_shows_every_setting():
    example = Path(__file__).resolve().parent.parent / "docs" / "mud.example.yaml"
    settings = load_settings(str(example), environ={})
    assert settings.ping_interval == 30 and settings.idle_timeout == 0
    text = example.read_text()
    missing = [key for key in Settings.__dataclass_fields__
               if f"\n{key}:" not in text and f"\n# {key}:" not in text]
    assert missing == []


def test_dead_peer_and_idle_settings_from_the_environment():
    settings = load_settings(environ={"MUD_PING_INTERVAL": "2.5", "MUD_PING_TIMEOUT": "4",
                                      "MUD_LOGIN_TIMEOUT": "0", "MUD_IDLE_TIMEOUT": "1800"})
    assert (settings.ping_interval, settings.ping_timeout) == (2.5, 4)
    assert (settings.login_timeout, settings.idle_timeout) == (0, 1800)
    with pytest.raises(StartupError, match="'ping_interval' must be at least 1"):
        load_settings(environ={"MUD_PING_INTERVAL": "0.5"})
    with pytest.raises(StartupError, match="'idle_timeout' must be at least 0"):
        load_settings(environ={"MUD_IDLE_TIMEOUT": "-1"})


def test_allowed_origins_from_every_source_are_checked():
    settings = load_settings(environ={"MUD_ALLOWED_ORIGINS": "https://a.example, http://b:8080"})
    assert settings.allowed_origins == ("https://a.example", "http://b:8080")
    assert Settings().with_values({"allowed_origins": "https://one.example"},
                                  "file").allowed_origins == ("https://one.example",)
    for bad in ("a.example", "https://a.example/play", "null", ["https://ok.example", 5]):
        with pytest.raises(StartupError, match=r"'allowed_origins'.*https://mud\.example\.org"):
            Settings().with_values({"allowed_origins": bad}, "test.yaml")


def test_the_token_max_age_is_a_number_of_seconds_of_a_minute_or_more():
    assert Settings().token_max_age == 7 * 24 * 3600
    assert load_settings(environ={"MUD_TOKEN_MAX_AGE": "86400"}).token_max_age == 86400
    with pytest.raises(StartupError, match="'token_max_age' must be at least 60"):
        load_settings(environ={"MUD_TOKEN_MAX_AGE": "5"})


def test_stopping_settings_from_every_source(tmp_path):
    from mud.tap import Options

    defaults = Settings()
    assert (defaults.stop_timeout, defaults.save_grace, defaults.fallback_dir) == (10, 5, "")
    path = config(tmp_path, "stop_timeout: 30\nsave_grace: 12.5\nfallback_dir: unsaved\n")
    settings = load_settings(path, environ={})
    assert (settings.stop_timeout, settings.save_grace) == (30, 12.5)
    # Relative to the config file, as the data directory is.
    assert settings.fallback_dir == str(tmp_path / "unsaved")
    settings = load_settings(path, environ={"MUD_STOP_TIMEOUT": "20", "MUD_SAVE_GRACE": "0",
                                            "MUD_FALLBACK_DIR": "/srv/spill"})
    assert (settings.stop_timeout, settings.save_grace, settings.fallback_dir) == \
        (20, 0, "/srv/spill")
    options = Options()
    options.parseOptions(["--stop-timeout", "4", "--save-grace", "1", "--fallback-dir", "/x"])
    assert (options.settings.stop_timeout, options.settings.save_grace,
            options.settings.fallback_dir) == (4, 1, "/x")
    assert "'stop_timeout' must be at least 1" in failure(
        environ={"MUD_STOP_TIMEOUT": "0.5"})
    assert "'save_grace' must be at least 0" in failure(environ={"MUD_SAVE_GRACE": "-1"})


def test_realm_settings_are_checked_and_none_turns_them_off():
    settings = load_settings(environ={"MUD_REALM": "North-1", "MUD_REDIS": "redis://h:6379/0",
                                      "MUD_STORE": "postgresql://mud@h/mud"})
    assert (settings.realm, settings.redis, settings.store) == (
        "north-1", "redis://h:6379/0", "postgresql://mud@h/mud")
    assert load_settings(environ={"MUD_REDIS": "none"}).redis == ""
    with pytest.raises(StartupError, match="'realm' must be a short name"):
        load_settings(environ={"MUD_REALM": "north pole"})
    with pytest.raises(StartupError, match=r"'redis': .*not a Redis URL; write redis://"):
        load_settings(environ={"MUD_REDIS": "127.0.0.1:6379"})
    # A Unix socket is a Redis address too (the link takes it).
    assert load_settings(environ={"MUD_REDIS": "unix:///run/redis.sock?db=1"}).redis == \
        "unix:///run/redis.sock?db=1"
    # A malformed URL is exactly when a password must not be echoed: one with a / in it
    # (base64), one with an @, one in a unix: query.
    for url, secret in (("redis://:Zx9/Qm+Pw2@127.0.0.1:6379/0", "Zx9/Qm+Pw2"),
                        ("redis://:hunt@er2@host:99999", "er2@"),
                        ("unix:///run/r.sock?password=s3cret&db=x", "s3cret")):
        with pytest.raises(StartupError) as refused:
            load_settings(environ={"MUD_REDIS": url})
        assert secret not in str(refused.value) and "***" in str(refused.value)
    with pytest.raises(StartupError, match="'store' must be a PostgreSQL URL"):
        load_settings(environ={"MUD_STORE": "mysql://x"})
