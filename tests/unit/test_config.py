"""Settings are declared once (config.SETTINGS): ServerConfig.from_env and the options of `streamvisor
serve` / `streamvisor worker` are derived from it, with one precedence: flag > environment > default."""
import dataclasses
import signal

import pytest
from click.testing import CliRunner

from streamvisor.cli.main import main
from streamvisor.config import DEFAULT_LISTEN, SETTINGS, ServerConfig


def test_every_setting_is_declared_once_and_fills_a_field():
    fields = {f.name for f in dataclasses.fields(ServerConfig)}
    names = [s.name for s in SETTINGS]
    envs = [s.env for s in SETTINGS]
    flags = [s.flag for s in SETTINGS if s.flag]
    assert len(set(names)) == len(names) and len(set(envs)) == len(envs) and len(set(flags)) == len(flags)
    assert all(e.startswith("STREAMVISOR_") for e in envs)
    for s in SETTINGS:
        assert s.name in fields or s.default is None, s.name  # a non-field setting applies itself
        if s.name in fields:
            assert s.default == getattr(ServerConfig(), s.name)


def test_defaults_without_environment():
    assert ServerConfig.from_env({}) == ServerConfig()


def test_environment_over_defaults():
    config = ServerConfig.from_env({
        "STREAMVISOR_LISTEN": "0.0.0.0:1", "STREAMVISOR_LOG_LEVEL": "debug", "STREAMVISOR_MAX_WORKERS": "3",
        "STREAMVISOR_BROKER_TIMEOUT_S": "0.5", "STREAMVISOR_KAFKA_PROPERTIES": "a=1, bootstrap.servers=old",
        "STREAMVISOR_KAFKA_BOOTSTRAP": "b:9092", "STREAMVISOR_EMBEDDED_WORKERS": "2",
        "STREAMVISOR_DATABASE_URL": "",  # empty: not set (as click has it)
    })
    assert (config.listen, config.log_level, config.max_workers, config.broker_timeout_s) == ("0.0.0.0:1", "DEBUG",
                                                                                            3, 0.5)
    assert config.default_consumer_properties == {"a": "1", "bootstrap.servers": "b:9092"}
    assert config.embedded_workers == 2 and config.database_url == ServerConfig().database_url


def test_an_environment_value_that_does_not_parse_names_its_variable():
    with pytest.raises(ValueError, match="STREAMVISOR_MAX_WORKERS='many'"):
        ServerConfig.from_env({"STREAMVISOR_MAX_WORKERS": "many"})


@pytest.mark.parametrize("text, expected", [("false", False), (" OFF ", False), ("0", False), ("no", False),
                                            ("true", True), ("On", True), ("1", True), ("yes", True)])
def test_a_boolean_setting_is_read_from_its_words(text, expected):
    assert ServerConfig.from_env({"STREAMVISOR_GROUP_COMMITS": text}).group_commits is expected


@pytest.mark.parametrize("text", ["maybe", "2", "falsey"])
def test_a_boolean_setting_refuses_other_words_and_names_its_variable(text):
    with pytest.raises(ValueError, match=f"STREAMVISOR_GROUP_COMMITS={text!r}: expected true or false"):
        ServerConfig.from_env({"STREAMVISOR_GROUP_COMMITS": text})


def test_flags_over_environment_over_defaults():
    env = {"STREAMVISOR_LISTEN": "env:1", "STREAMVISOR_LOG_FORMAT": "json", "STREAMVISOR_METRICS_LISTEN": "env:2",
           "STREAMVISOR_KAFKA_PROPERTIES": "a=env,b=env", "STREAMVISOR_KAFKA_BOOTSTRAP": "env:9092"}
    config = ServerConfig.resolve({"listen": "flag:1", "log_format": None, "metrics_listen": "",
                                   "kafka_properties": ("b=flag", "bootstrap.servers=ignored,c=flag")}, env)
    assert config.listen == "flag:1"  # flag
    assert config.log_format == "json" and config.metrics_listen == "env:2"  # None / "": not given
    assert config.log_level == "INFO"  # default
    # Flag properties add to the environment's; the bootstrap setting wins over a bootstrap.servers among them.
    assert config.default_consumer_properties == {"a": "env", "b": "flag", "c": "flag", "bootstrap.servers": "env:9092"}
    assert ServerConfig.resolve({"kafka_bootstrap": "flag:9092"}, env).default_consumer_properties[
        "bootstrap.servers"] == "flag:9092"


@pytest.fixture
def serve_runs(monkeypatch):
    """`streamvisor serve` up to the config it would serve with."""
    import streamvisor.api.server
    import streamvisor.logs
    seen = []
    monkeypatch.setattr(streamvisor.api.server, "serve", seen.append)
    monkeypatch.setattr(streamvisor.logs, "configure", lambda *a: seen.append(a))

    def run(args, env=None) -> ServerConfig:
        seen.clear()
        result = CliRunner().invoke(main, ["serve", *args], env={s.env: None for s in SETTINGS} | (env or {}),
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        log_args, config = seen
        assert log_args == (config.log_level, config.log_format)
        return config

    return run


def test_serve_precedence_flag_over_env_over_default(serve_runs):
    assert serve_runs([]) == ServerConfig()
    assert serve_runs([]).listen == DEFAULT_LISTEN
    env = {"STREAMVISOR_LISTEN": "env:1", "STREAMVISOR_LOG_LEVEL": "warning", "STREAMVISOR_EMBEDDED_WORKERS": "2",
           "STREAMVISOR_OUTPUT": "/env/out", "STREAMVISOR_MAX_MESSAGE_BYTES": "1024",
           "STREAMVISOR_KAFKA_PROPERTIES": "security.protocol=SSL", "STREAMVISOR_KAFKA_BOOTSTRAP": "env:9092"}
    config = serve_runs([], env)
    assert (config.listen, config.log_level, config.embedded_workers, config.output, config.max_message_bytes) == (
        "env:1", "WARNING", 2, "/env/out", 1024)
    assert config.default_consumer_properties == {"security.protocol": "SSL", "bootstrap.servers": "env:9092"}
    config = serve_runs(["--listen", "flag:1", "--log-level", "debug", "--embedded-workers", "3", "--output", "/f",
                         "--kafka-property", "isolation.level=read_committed", "--kafka-bootstrap", "flag:9092",
                         "--log-format", "json"], env)
    assert (config.listen, config.log_level, config.embedded_workers, config.output, config.log_format) == (
        "flag:1", "DEBUG", 3, "/f", "json")
    assert config.max_message_bytes == 1024  # environment only
    assert config.default_consumer_properties == {"security.protocol": "SSL", "isolation.level": "read_committed",
                                                  "bootstrap.servers": "flag:9092"}


def test_serve_checks_files_and_choices_from_the_environment_too(tmp_path):
    runner = CliRunner()
    clean = {s.env: None for s in SETTINGS}
    missing = runner.invoke(main, ["serve"], env=clean | {"STREAMVISOR_TOKENS_FILE": str(tmp_path / "nope")})
    assert missing.exit_code == 2 and "--tokens-file" in missing.output
    bad = runner.invoke(main, ["serve"], env=clean | {"STREAMVISOR_LOG_FORMAT": "xml"})
    assert bad.exit_code == 2 and "--log-format" in bad.output
    unparsable = runner.invoke(main, ["serve"], env=clean | {"STREAMVISOR_MAX_WORKERS": "many"})
    assert unparsable.exit_code == 2 and "STREAMVISOR_MAX_WORKERS" in unparsable.output
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    half = runner.invoke(main, ["serve", "--tls-cert", str(cert)], env=clean)
    assert half.exit_code == 2 and "--tls-cert and --tls-key go together" in half.output


def test_worker_shares_the_log_settings(monkeypatch, tmp_path):
    import streamvisor.logs
    import streamvisor.worker.runner
    configured = []
    monkeypatch.setattr(streamvisor.logs, "configure", lambda *a: configured.append(a))
    monkeypatch.setattr(streamvisor.worker.runner.Worker, "run", lambda self, stop: None)
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # the command installs SIGTERM/SIGINT handlers
    runner = CliRunner()
    clean = {s.env: None for s in SETTINGS}
    args = ["worker", "--output", str(tmp_path)]
    for extra, env, expected in (([], {}, ("INFO", "text")),
                                 ([], {"STREAMVISOR_LOG_LEVEL": "debug", "STREAMVISOR_LOG_FORMAT": "json"},
                                  ("DEBUG", "json")),
                                 (["--log-level", "error"], {"STREAMVISOR_LOG_LEVEL": "debug"}, ("ERROR", "text"))):
        configured.clear()
        result = runner.invoke(main, args + extra, env=clean | env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert configured == [expected]


def test_the_readme_lists_every_setting():
    from pathlib import Path
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme[readme.index("## Configuration"):readme.index("## Security and observability")]
    for s in SETTINGS:
        assert f"`{s.env}`" in table, s.env
        if s.flag:
            assert f"`{s.flag}" in table, s.flag
