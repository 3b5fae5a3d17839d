"""Configuration: flags > environment > file > defaults, validated at start-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence.errors import InvalidInput
from server.config import ServerConfig, load_config, parse_size


def test_defaults_are_the_embedded_setup() -> None:
    config = load_config({}, env={})
    assert config.listen == "127.0.0.1:50051" and config.data_dir == Path("data")
    assert config.workers == (os.cpu_count() or 1) and config.store_url.startswith("sqlite:///")
    assert config.store_url.endswith("data/proofbox.db") and config.key_file == Path("data/local-api-key")
    assert config.metrics_port is None and not config.tls


def test_precedence_flags_over_environment_over_file(tmp_path: Path) -> None:
    toml = tmp_path / "proofbox.toml"
    toml.write_text(
        '[server]\nworkers = 3\nqueue-size = 5\nlisten = "0.0.0.0:6000"\nmax_upload_bytes = "2GiB"\n'
    )
    env = {"PROOFBOX_WORKERS": "4", "PROOFBOX_DATA": str(tmp_path / "d"), "PROOFBOX_CONFIG": str(toml)}
    config = load_config({"workers": 6, "listen": None}, env=env)
    assert config.workers == 6  # flag
    assert config.queue_size == 5  # file
    assert config.listen == "0.0.0.0:6000"  # file (the flag was not given)
    assert config.data_dir == tmp_path / "d"  # environment
    assert config.max_upload_bytes == 2 * 1024**3
    assert load_config({}, env=env).workers == 4  # environment over file


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "proofbox.yaml"
    path.write_text("metrics_port: 9100\nsqlite_synchronous: full\n")
    config = load_config({}, env={}, config_file=path)
    assert (config.metrics_port, config.sqlite_synchronous) == (9100, "full")


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        ({"workers": 0}, "workers"),
        ({"listen": "localhost"}, "listen"),
        ({"listen": "127.0.0.1:70000"}, "listen"),
        ({"database_url": "mysql://x"}, "database_url"),
        ({"tls_cert": "/nonexistent.pem", "tls_key": "/nonexistent.key"}, "tls_cert"),
        ({"log_format": "xml"}, "log_format"),
        ({"max_upload_bytes": "lots"}, "max_upload_bytes"),
        ({"workers": "two"}, "workers"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_invalid_settings_name_the_field(flags: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        load_config(flags, env={})
    assert info.value.field == field


def test_unknown_file_setting(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("wokers = 2\n")
    with pytest.raises(InvalidInput) as info:
        load_config({}, env={}, config_file=path)
    assert info.value.field == "wokers" and "known:" in info.value.message


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(InvalidInput, match="give both or neither"):
        ServerConfig(tls_cert=cert)


def test_sizes() -> None:
    assert parse_size("500MB") == 500_000_000
    assert parse_size("8GiB") == 8 * 1024**3
    assert parse_size("1.5k") == 1500
    with pytest.raises(InvalidInput):
        parse_size("1 parsec")
