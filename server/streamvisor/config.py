"""Server configuration: flags override environment variables, which override defaults.

ServerConfig's fields are the settings with their types and defaults; SETTINGS says, once, which
environment variable and `streamvisor serve` flag set each of them. Both ServerConfig.from_env and the
CLI's options are derived from it."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

DEFAULT_LISTEN = "127.0.0.1:50051"
DEFAULT_DATABASE_URL = "sqlite:///data/streamvisor.db"


def parse_properties(text: str) -> dict[str, str]:
    """`k=v,k2=v2` -> dict (the format of STREAMVISOR_KAFKA_PROPERTIES and --kafka-property)."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


@dataclass
class ServerConfig:
    listen: str = DEFAULT_LISTEN
    database_url: str = DEFAULT_DATABASE_URL
    # Filled into every new spec that lacks them (e.g. bootstrap.servers of the local broker).
    default_consumer_properties: dict[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    log_format: str = "text"
    # gRPC's own default is 4 MiB; a spec is tiny, so anything larger is a mistake or an attack.
    max_message_bytes: int = 4 * 1024 * 1024
    # Bounded thread pool: a flood of calls queues instead of exhausting the process.
    max_workers: int = 16
    # Threads of that pool kept for health checks: application calls may use at most
    # max_workers - reserved_workers at once; beyond that they fail RESOURCE_EXHAUSTED immediately.
    reserved_workers: int = 2
    # Operating safely (README, "Security and observability"). A tokens file turns authentication on.
    tokens_file: str = ""
    tls_cert_file: str = ""
    tls_key_file: str = ""
    # With a client CA, clients must present a certificate it signed (mutual TLS).
    tls_client_ca_file: str = ""
    # host:port of the Prometheus /metrics endpoint; empty: no endpoint.
    metrics_listen: str = ""
    # host:port of the web console (HTTP: pages + Connect bridge to the gRPC port); empty: no console.
    console_listen: str = ""
    # Host names the console answers to, comma-separated ("*": any). Empty: the loopback names, the listen
    # host, and this machine's name when it listens on every interface. A request naming another Host is
    # refused, so a page whose DNS name was rebound to this address cannot drive the console.
    console_allowed_hosts: str = ""
    # Every broker call is bounded by this; past it the call fails UNAVAILABLE.
    broker_timeout_s: float = 5.0
    # SIGTERM: stop accepting calls, let in-flight ones finish for this long.
    shutdown_grace_s: float = 10.0
    # The scheduler runs in every replica; one at a time holds its lease and schedules. The leader renews
    # the lease once per pass, the others try to take it once per interval: when the leader dies, another
    # holds the lease within lease_ttl_s + interval_s (4 s; README, "Running replicas"). A leader whose pass
    # plus interval outlasts the TTL loses the lease to another replica (harmless: every scheduling write is
    # safe to repeat), so passes must stay under lease_ttl_s - interval_s (2 s).
    scheduler: bool = True
    # A pass settles only what changed (scheduling marks, expired leases), so it can run often: this is
    # how soon a new or changed supervisor gets its tasks. UNHEALTHY supervisors are re-checked against the
    # stream every scheduler_recheck_interval_s; every scheduler_sweep_interval_s a full sweep runs as a
    # safety net. The lease is short so a dead leader is replaced within TTL + interval (README, replicas).
    scheduler_interval_s: float = 0.2
    scheduler_lease_ttl_s: float = 3.0
    scheduler_recheck_interval_s: float = 1.0
    scheduler_sweep_interval_s: float = 60.0
    # How often the scheduler's leader looks for supervisors whose spec enables the autoscaler (one listing
    # of RUNNING supervisors); their lag is sampled at each one's own sample_interval_seconds.
    autoscaler_refresh_s: float = 30.0
    # How often an idle-enabled supervisor's stream is checked (for going IDLE, and for waking).
    idle_check_s: float = 5.0
    # Server processes on one port (SO_REUSEPORT), each a full replica: PostgreSQL only.
    processes: int = 1
    # Concurrent CommitCheckpoints share one transaction (app/grouping.py): PostgreSQL only. Off: one
    # transaction each, as before (bench/bench_commit.py compares the two).
    group_commits: bool = True
    # Set in each process of a --processes group (not a setting): bind the port shared with the others.
    reuse_port: bool = False
    # Reference workers run inside the server process (0: none; run `streamvisor worker` elsewhere).
    embedded_workers: int = 0
    output: str = "data/segments"
    # Bearer token the embedded workers send (a `worker` role's) when the server has a tokens file.
    worker_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "ServerConfig":
        """Environment over defaults (no flags): what `streamvisor serve` does when given no flags."""
        return cls.resolve(env=env)

    @classmethod
    def resolve(cls, flags: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None,
                only: Iterable[str] | None = None) -> "ServerConfig":
        """Every setting of SETTINGS: its flag's value if given, else its environment variable, else the
        default (the field's). `flags` maps setting names to values (None or "": not given), as click
        passes them; `only` limits the settings read (`streamvisor worker` reads only the log ones)."""
        env = os.environ if env is None else env
        flags = flags or {}
        names = None if only is None else set(only)
        config = cls()
        for setting in SETTINGS:
            if names is None or setting.name in names:
                setting.resolve_into(config, flags.get(setting.name), env.get(setting.env) if setting.env else None)
        return config


def _set_field(config: ServerConfig, name: str, value: object) -> None:
    setattr(config, name, value)


def _add_properties(config: ServerConfig, _name: str, value: object) -> None:
    config.default_consumer_properties.update(value)


def _set_bootstrap(config: ServerConfig, _name: str, value: object) -> None:
    config.default_consumer_properties["bootstrap.servers"] = value


_DEFAULTS = ServerConfig()


_BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "on": True,
                  "false": False, "0": False, "no": False, "off": False}


def parse_boolean(text: str) -> bool:
    try:
        return _BOOLEAN_WORDS[text.strip().lower()]
    except KeyError:
        raise ValueError("expected true or false (also 1/0, yes/no, on/off)") from None


@dataclass(frozen=True)
class Setting:
    """One setting, declared once: the environment variable and `streamvisor serve` flag that set it, its
    help, and how text is read. Its default and type are the ServerConfig field's of the same name; a
    setting that is not a field (kafka_bootstrap, kafka_properties) says where it goes with `apply`.
    The click options of `serve` (and the log options of `worker`) are generated from these
    (cli/main.py), so a setting's env var and default exist here only."""

    name: str
    env: str
    flag: str | None = None  # None: environment only
    help: str = ""
    choices: tuple[str, ...] = ()
    existing_file: bool = False  # the CLI checks that the file exists
    # The flag may repeat (each `k=v[,k=v]`); the environment variable holds `k=v,k=v`; flag items are
    # added to the environment's, not instead of them.
    repeatable: bool = False
    normalize: Callable[[object], object] | None = None
    apply: Callable[[ServerConfig, str, object], None] = _set_field

    @property
    def default(self) -> object:
        """The ServerConfig field's default; None for a setting that is not a field (nothing is set)."""
        return getattr(_DEFAULTS, self.name) if self.apply is _set_field else None

    @property
    def type(self) -> type:
        """int, float, bool or str (the default's): what flag and environment text is converted to."""
        return str if self.default is None or self.repeatable else type(self.default)

    def parse(self, text: str) -> object:
        """Environment (or flag) text -> value; ValueError names the environment variable."""
        try:
            if self.repeatable:
                return parse_properties(text)
            # bool("false") is True: a boolean is read from its words, and anything else is refused.
            return parse_boolean(text) if self.type is bool else self.type(text)
        except ValueError as e:
            raise ValueError(f"{self.env}={text!r}: {e}") from None

    def value(self, flag: object, env_text: str | None) -> object:
        """flag > environment > None (keep the default). Empty counts as not given, as click has it."""
        if self.repeatable:
            merged: dict[str, str] = {}
            if env_text:
                merged.update(self.parse(env_text))
            for item in flag or ():
                merged.update(parse_properties(item))
            return merged or None
        if flag is not None and flag != "":
            value = self.parse(flag) if isinstance(flag, str) and self.type is not str else flag
        elif env_text:
            value = self.parse(env_text)
        else:
            return None
        return self.normalize(value) if self.normalize else value

    def resolve_into(self, config: ServerConfig, flag: object, env_text: str | None) -> None:
        value = self.value(flag, env_text)
        if value is not None:
            self.apply(config, self.name, value)


def _upper(value: object) -> object:
    return str(value).upper()


# Every server setting that can be set from outside. Order matters once: kafka_properties before
# kafka_bootstrap, so --kafka-bootstrap (or its env var) wins over a bootstrap.servers among the properties.
SETTINGS: tuple[Setting, ...] = (
    Setting("listen", "STREAMVISOR_LISTEN", "--listen", "host:port to listen on (:0 picks a free port)."),
    Setting("database_url", "STREAMVISOR_DATABASE_URL", "--database-url",
            "SQLAlchemy URL (postgresql+psycopg://... for production)."),
    Setting("kafka_properties", "STREAMVISOR_KAFKA_PROPERTIES", "--kafka-property",
            "Default consumer property for new specs (repeatable).", repeatable=True,
            apply=_add_properties),
    Setting("kafka_bootstrap", "STREAMVISOR_KAFKA_BOOTSTRAP", "--kafka-bootstrap",
            "Default bootstrap.servers for specs that do not set it.", apply=_set_bootstrap),
    Setting("log_level", "STREAMVISOR_LOG_LEVEL", "--log-level", "DEBUG, INFO, WARNING, ERROR.", normalize=_upper),
    Setting("log_format", "STREAMVISOR_LOG_FORMAT", "--log-format", "text, or json: one JSON object per line.",
            choices=("text", "json")),
    Setting("max_message_bytes", "STREAMVISOR_MAX_MESSAGE_BYTES", help="Larger requests fail RESOURCE_EXHAUSTED."),
    Setting("max_workers", "STREAMVISOR_MAX_WORKERS", help="Bounded RPC thread pool (and DB pool size)."),
    Setting("broker_timeout_s", "STREAMVISOR_BROKER_TIMEOUT_S", help="Bound on every broker call."),
    Setting("reserved_workers", "STREAMVISOR_RESERVED_WORKERS", help="Threads of the pool kept for health checks."),
    Setting("tokens_file", "STREAMVISOR_TOKENS_FILE", "--tokens-file",
            "YAML/JSON file of hashed bearer tokens and certificate subjects with roles; turns auth on.",
            existing_file=True),
    Setting("tls_cert_file", "STREAMVISOR_TLS_CERT", "--tls-cert", "Server certificate chain (PEM); turns TLS on.",
            existing_file=True),
    Setting("tls_key_file", "STREAMVISOR_TLS_KEY", "--tls-key", "The server certificate's private key (PEM).",
            existing_file=True),
    Setting("tls_client_ca_file", "STREAMVISOR_TLS_CLIENT_CA", "--tls-client-ca",
            "CA bundle (PEM) for client certificates: requires them (mutual TLS).", existing_file=True),
    Setting("metrics_listen", "STREAMVISOR_METRICS_LISTEN", "--metrics-listen",
            "host:port for Prometheus /metrics over HTTP (default: off; :0 picks a free port)."),
    Setting("console_listen", "STREAMVISOR_CONSOLE_LISTEN", "--console-listen",
            "host:port for the web console over HTTP (default: off; scripts/serve.sh turns it on)."),
    Setting("console_allowed_hosts", "STREAMVISOR_CONSOLE_ALLOWED_HOSTS", "--console-allowed-hosts",
            "Comma-separated host names the console answers to ('*': any; default: loopback, the listen host "
            "and, on 0.0.0.0, this machine's names). Others get 421, so DNS rebinding cannot reach it."),
    Setting("scheduler_interval_s", "STREAMVISOR_SCHEDULER_INTERVAL_S", help="Seconds between scheduler passes."),
    Setting("scheduler_lease_ttl_s", "STREAMVISOR_SCHEDULER_LEASE_TTL_S",
            help="Scheduler lease length: a dead leader is replaced within this plus the interval."),
    Setting("processes", "STREAMVISOR_PROCESSES", "--processes",
            "Server processes sharing --listen (SO_REUSEPORT), one per core; PostgreSQL only."),
    Setting("scheduler_recheck_interval_s", "STREAMVISOR_SCHEDULER_RECHECK_INTERVAL_S",
            help="Seconds between re-checks of UNHEALTHY supervisors against their stream."),
    Setting("scheduler_sweep_interval_s", "STREAMVISOR_SCHEDULER_SWEEP_INTERVAL_S",
            help="Seconds between the scheduler's full sweeps (a safety net; passes settle what changed)."),
    Setting("autoscaler_refresh_s", "STREAMVISOR_AUTOSCALER_REFRESH_S",
            help="Seconds between the autoscaler's looks for supervisors that enable it."),
    Setting("idle_check_s", "STREAMVISOR_IDLE_CHECK_S",
            help="Seconds between checks of an idle-enabled supervisor's stream (to go IDLE, and to wake)."),
    Setting("group_commits", "STREAMVISOR_GROUP_COMMITS",
            help="Concurrent CommitCheckpoints share one PostgreSQL transaction (true, the default; false: "
                 "one transaction each)."),
    Setting("embedded_workers", "STREAMVISOR_EMBEDDED_WORKERS", "--embedded-workers",
            "Run this many reference workers inside the server process (a complete system in one command)."),
    Setting("output", "STREAMVISOR_OUTPUT", "--output", "Where embedded workers write segments (a directory or "
            "file:///dir)."),
    Setting("worker_token", "STREAMVISOR_WORKER_TOKEN", help="Bearer token of the embedded workers."),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
