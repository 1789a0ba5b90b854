"""The `ioc` command line (typer). Each command is thin: it reads Settings and calls a module."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from kafka.errors import KafkaError
from pydantic import ValidationError

from bench import STAGES as BENCH_STAGES
from ioc.settings import Settings, get_settings

cli = typer.Typer(
    help="IOC stream processor for Vietnamese provinces.", no_args_is_help=True, pretty_exceptions_enable=False
)
infra_cli = typer.Typer(
    help="Local Kafka and PostgreSQL+TimescaleDB under IOC_HOME (default .ioc/).", no_args_is_help=True
)
cli.add_typer(infra_cli, name="infra")
workdays_cli = typer.Typer(
    help="Vietnam's working-day clock (Mon-Fri minus public holidays, data per year).", no_args_is_help=True
)
cli.add_typer(workdays_cli, name="workdays")
keys_cli = typer.Typer(
    help="Integrators' API keys for the HTTP ingest adapter (POST /ingest/{feed}).", no_args_is_help=True
)
cli.add_typer(keys_cli, name="keys")
deadletter_cli = typer.Typer(
    help="Rejected records: why, the original bytes, and replay after a fix.", no_args_is_help=True
)
cli.add_typer(deadletter_cli, name="deadletter")
users_cli = typer.Typer(help="People who log in to the dashboard, and their roles.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
log = logging.getLogger("ioc")
T = TypeVar("T")


def settings() -> Settings:
    try:
        s = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "IOC_" + "_".join(str(part) for part in error["loc"]).upper()
            typer.echo(f"error: {name}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    from ioc.feeds import FeedDeclarationError, registry
    from ioc.sources import SourceError

    try:
        registry()
    except (FeedDeclarationError, SourceError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    logging.basicConfig(level=s.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("kafka", "aiokafka"):  # client chatter: connection lifecycles at INFO
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    return s


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@infra_cli.command("up")
def infra_up() -> None:
    """Install (first time) and start the local services the settings leave local; idempotent."""
    from ioc.infra import InfraError, LocalInfra

    infra = LocalInfra(settings())
    try:
        infra.up()
    except InfraError as exc:
        raise _fail(exc) from exc
    for name, state in infra.status().items():
        typer.echo(f"{name}: {state}")


@infra_cli.command("down")
def infra_down() -> None:
    """Stop the local Kafka broker and PostgreSQL cluster (data stays under IOC_HOME)."""
    from ioc.infra import LocalInfra

    LocalInfra(settings()).down()
    typer.echo("local infrastructure stopped")


@infra_cli.command("status")
def infra_status() -> None:
    """Show whether each local service runs, and where."""
    from ioc.infra import LocalInfra

    for name, state in LocalInfra(settings()).status().items():
        typer.echo(f"{name}: {state}")


@cli.command("init")
def init() -> None:
    """Create the Kafka topics and apply database migrations (idempotent)."""
    _init(settings())


def _init(s: Settings) -> None:
    from ioc import topics
    from ioc.db import migrate
    from ioc.feeds import registry
    from ioc.kafka_admin import ensure_topics

    try:
        created = ensure_topics(
            s.bootstrap_servers, topics.all_topics(list(registry())), s.topic_partitions, s.topic_replication
        )
        applied = migrate(s.dsn)
    except Exception as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"topics created: {', '.join(created) or 'none (all exist)'}; "
        f"migrations applied: {', '.join(applied) or 'none (up to date)'}"
    )


@cli.command("worker")
def worker() -> None:
    """Run the worker (validator, KPI, derived-KPI and alert agents, sinks, notifier) until interrupted."""
    s = settings()
    import mode.loop

    # uvloop: the worker is bound by the event loop's own work per message (tasks, futures, callbacks). Set
    # before the app exists; Faust reads its --loop option from sys.argv only when first imported.
    mode.loop.use("uvloop")
    from streams.app import app

    app.conf.datadir.mkdir(parents=True, exist_ok=True)  # Faust creates only its last part
    # Faust's worker command starts its web server on port 6066 unless told not to, whatever the app's
    # web_enabled says; two workers on one host would then collide.
    level = {"warning": "warn"}.get(s.log_level, s.log_level)  # Faust's own name for it
    sys.argv = ["ioc worker", "worker", "--without-web", "--loglevel", level]
    app.main()


@cli.command("dashboard")
def dashboard() -> None:
    """Serve the dashboard (REST, websocket, web page) on IOC_DASHBOARD_HOST:IOC_DASHBOARD_PORT."""
    import uvicorn

    from dashboard.app import create_app

    s = settings()
    # asyncio's loop, which the fan-out figures were measured on (uvicorn would take uvloop once installed);
    # uvloop there is not measured yet (docs/performance.md).
    uvicorn.run(create_app(s), host=s.dashboard_host, port=s.dashboard_port, log_level=s.log_level, loop="asyncio",
                proxy_headers=True, forwarded_allow_ips=s.trusted_proxies)  # fmt: skip


@cli.command("mqtt-bridge")
def mqtt_bridge() -> None:
    """Forward MQTT messages on ioc/<feed>/<source> (QoS 1) to Kafka; the broker is IOC_MQTT_URL or the local one."""
    from ioc.mqtt_bridge import run_bridge

    run_bridge(settings())


@cli.command("simulate")
def simulate(
    seed: Annotated[int | None, typer.Option(help="Seed (default IOC_SIMULATOR_SEED).")] = None,
    interval: Annotated[float | None, typer.Option(min=0.1, help="Seconds between a station's readings.")] = None,
    backfill_minutes: Annotated[
        int | None, typer.Option(min=0, help="Minutes of history sent at start at the live interval.")
    ] = None,
    history_hours: Annotated[
        int | None, typer.Option(min=0, max=48, help="Hours of coarser history (every 5 min) sent before that.")
    ] = None,
    event_history_days: Annotated[
        int | None, typer.Option(min=0, max=60, help="Days of dossiers and feedback played at start.")
    ] = None,
    duration: Annotated[float | None, typer.Option(min=0, help="Stop after this many seconds.")] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="normal: everyday readings and services;"
            " flood: the rain began 10 h ago and the rivers pass alarm level III now;"
            " pollution-episode: an inversion set in 10 h ago, PM builds up to VN_AQI 'Xấu' in the busy wards"
            " and spreads outwards, clearing after a day;"
            " service-backlog: since 10 h ago, twice the dossiers, a third of them late;"
            " storm: a typhoon arrived 10 h ago, rain bands at every gauge, rivers past alarm level III,"
            " roads emptied as people shelter, the air washed clean."
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="Simulated time runs this many times faster than the clock (60: a day in 24 min), each record at"
            " its simulated time. Faster than the clock it starts in the past, at --start or --duration x (speed - 1)"
            " before now, and stops before it passes now.",
        ),
    ] = 1.0,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated time at the start (default now): an ISO 8601 time (local without an offset) or a date;"
            " not in the future."
        ),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="At most this many records a second overall (the rate achieved is logged every 10 s and printed at"
            " the end). Live, the sensors (78 shipped) give one record each per --interval of simulated time,"
            " sensors x speed / interval a second: e.g. --interval 1 --speed 60 --duration 600 --rate 2000.",
        ),
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option(
            help="Faults injected, as shares of records from 0 to 1, e.g. dropout=0.05,stuck=0.01,spike=0.01,"
            "late=0.02,reorder=0.02,duplicate=0.01,malformed=0.01; the same for the same seed (simulators/faults.py)."
        ),
    ] = None,
) -> None:
    """Play the simulators (air quality, gauges, roads, dossiers and payments, citizen feedback) into Kafka;
    print what was sent as JSON: sent, seconds, rate (records a second), faults (records per kind).

    Deterministic: the same seed and times give the same records, with the same ids, and the same faults."""
    from datetime import UTC, datetime, timedelta

    from simulators.faults import FaultSpecError, parse_spec
    from simulators.pace import PaceError, sim_clock
    from simulators.producer import History, run_simulators
    from simulators.scenario import SCENARIOS, Scenario

    name = scenario or settings().simulator_scenario
    if name not in SCENARIOS:
        raise typer.BadParameter(f"{name!r} is not one of {', '.join(SCENARIOS)}", param_hint="--scenario")

    s = settings()
    history = History(
        hours=s.simulator_history_hours if history_hours is None else history_hours,
        hour_interval=s.simulator_history_interval_seconds,
        minutes=s.simulator_backfill_minutes if backfill_minutes is None else backfill_minutes,
        event_days=s.simulator_event_history_days if event_history_days is None else event_history_days,
    )
    try:
        spec = parse_spec(faults or "")
    except FaultSpecError as exc:
        raise typer.BadParameter(str(exc), param_hint="--faults") from exc
    try:
        clock = sim_clock(datetime.now(UTC), speed, _instant(start, "--start"), duration)
    except PaceError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.option) from exc
    report = run_simulators(
        s.bootstrap_servers,
        s.simulator_seed if seed is None else seed,
        s.simulator_interval_seconds if interval is None else interval,
        history,
        duration,
        Scenario(name, clock.start - timedelta(hours=10)),
        clock=clock,
        rate=rate,
        faults=spec,
    )
    typer.echo(json.dumps(report.to_dict()))


@cli.command("run")
def run(
    simulate: Annotated[
        bool | None, typer.Option("--simulate/--no-simulate", help="Start the simulators (default IOC_SIMULATE, true).")
    ] = None,
) -> None:
    """Start everything: local infra (unless external), topics, schema, worker, dashboard, MQTT bridge, simulators."""
    from ioc.supervisor import Child, supervise

    s = settings()
    with _services(s):
        children = [Child("worker", ["worker"]), Child("dashboard", ["dashboard"])]
        if s.mqtt_bridge:
            children.append(Child("mqtt-bridge", ["mqtt-bridge"]))
        if s.simulate if simulate is None else simulate:
            children.append(Child("simulator", ["simulate"]))
        supervise(children, s.dashboard_url, _first_admin(s))


def _first_admin(s: Settings) -> str:
    """How to log in: on a database without users, an ``admin`` with a random password, printed once and kept
    in IOC_HOME/initial-admin-password (readable by the owner only) until changed."""
    import secrets

    from ioc import users

    saved = s.home / "initial-admin-password"
    if users.count(s.dsn) == 0:
        password = secrets.token_urlsafe(12)
        users.add(s.dsn, "admin", "Quản trị viên", "admin", password)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.unlink(missing_ok=True)  # a new file, so it gets the mode below whatever an old one had
        descriptor = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(password + "\n")
        return f"log in as admin, password {password} (kept in {saved}; change it: ioc users passwd admin)"
    if saved.exists():
        return f"log in as admin (first password in {saved}), or as a user `ioc users add` created"
    return "log in as a user `ioc users add` created"


@contextmanager
def _services(s: Settings) -> Iterator[None]:
    """Local infra (what the settings leave local), topics and schema; on leaving, stops what it started."""
    from ioc.infra import InfraError, LocalInfra

    infra = LocalInfra(s)
    try:
        started = infra.up()
    except InfraError as exc:
        raise _fail(exc) from exc
    try:
        _init(s)
        yield
    finally:
        if started:
            log.info("stopping the local %s started by this run", " and ".join(started))
            infra.down(started)


@cli.command("aqi")
def aqi() -> None:
    """Read pollutant concentrations (µg/m³) as JSON on stdin, print the VN_AQI (or US) result as JSON.

    Input: {"pm25": 30 | [newest, ..., up to 24, null for a missing hour], "pm10": ..., "o3", "no2", "so2",
    "co", "mode": "hourly" | "daily", "scale": "vn" | "us"}. Exit code 2 with a message on bad input.
    """
    from ioc.indicators.aqi import AqiInputError, compute, parse_request, to_json

    try:
        body = json.loads(sys.stdin.read())
        inputs, mode, scale = parse_request(body)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: input is not JSON: {exc}", err=True)
        raise typer.Exit(2) from exc
    except AqiInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(to_json(compute(inputs, mode, scale)), ensure_ascii=False))


def _instant(text: str | None, name: str) -> datetime | None:
    """An ISO 8601 time (without offset: local time, Asia/Ho_Chi_Minh) or a date (its local midnight)."""
    from ioc.indicators.public_services import LOCAL

    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a time like 2026-11-24T17:00:00+07:00 or a date", param_hint=name
        ) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=LOCAL)


@cli.command("index766")
def index766(
    file: Annotated[
        Path | None, typer.Argument(help="JSONL of dossier, feedback and payment envelopes (default: stdin).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Evaluate at this time (default now): later events are left out.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Count only items received from this time or date (default: all).")
    ] = None,
    inputs: Annotated[
        Path | None, typer.Option(help="YAML/JSON of the parts events cannot give: {agency or '*': {part: ratio}}.")
    ] = None,
) -> None:
    """Print the Decision 766 index per agency as JSON: six group scores, total, band, rank in its peer group,
    the ratios behind them and the dossiers and feedback that cost points. Exit 2 with a message on bad input."""
    import yaml

    from ioc.indicators.index766 import Index766Error, parse_events, report
    from ioc.workdays import CalendarError

    evaluated = _instant(at, "--at") or datetime.now().astimezone()
    start = _instant(since, "--since")
    try:
        lines = file.read_text(encoding="utf-8").splitlines() if file else sys.stdin.read().splitlines()
        given = yaml.safe_load(inputs.read_text(encoding="utf-8")) if inputs else None
        result = report(parse_events(lines), evaluated, given, start)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, Index766Error, CalendarError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@cli.command("retention")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the chunks that would be dropped.")] = False,
) -> None:
    """Drop the chunks of each table older than its retention (IOC_RETENTION over the defaults); the worker
    does this every hour. Prints each table's retention and the chunks dropped."""
    from ioc import retention

    policy = retention.parse(settings().retention)  # checked when the settings were read
    done = _on_database(lambda dsn: retention.run(dsn, policy, dry_run))
    for table, days in policy.items():
        kept = "forever" if days is None else f"{days} days"
        chunks = done.get(table, [])
        action = "would drop" if dry_run else "dropped"
        typer.echo(f"{table}\tkept {kept}\t{action} {len(chunks)} chunk(s){': ' + ', '.join(chunks) if chunks else ''}")


@cli.command("replay")
def replay(
    file: Annotated[Path, typer.Argument(help="Records: JSONL (one envelope per line) or CSV (header row).")],
    feed: Annotated[
        str | None, typer.Option(help="Feed of the records (CSV: required; JSONL: for lines without 'feed').")
    ] = None,
    speed: Annotated[
        float | None, typer.Option(min=0.001, help="Keep the spacing of the event times, sped up this many times.")
    ] = None,
    rate: Annotated[float | None, typer.Option(min=0.001, help="At most this many records per second.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report, send nothing.")] = False,
) -> None:
    """Send the records of FILE to ioc.ingest.<feed> (as fast as possible by default), each checked first
    by the validator's rules: the lines that will be rejected are listed (they are sent too, and land in the
    dead letters with that reason). Exit 2 naming the line or column when the file cannot be read."""
    from ioc.feeds import registry
    from ioc.replay import ReplayError, checked, read_csv, read_jsonl, schedule, send

    s = settings()
    kinds = registry()
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix.lower() == ".csv":
            if feed not in kinds:
                raise ReplayError(f"--feed: a CSV needs one of {', '.join(sorted(kinds))}")
            rows = read_csv(text, kinds[feed])
        else:
            rows = read_jsonl(text, feed, kinds)
    except (OSError, UnicodeDecodeError, ReplayError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    records = checked(rows, kinds, datetime.now().astimezone(), timedelta(seconds=s.max_future_seconds))
    bad = [r for r in records if r.checked.error is not None]
    feeds = sorted({r.feed for r in records})
    typer.echo(f"{len(records)} records of {', '.join(feeds) or 'no feed'}; {len(bad)} will be rejected", err=True)
    for r in bad[:20]:
        typer.echo(f"  line {r.line}: {r.checked.error}", err=True)
    if len(bad) > 20:
        typer.echo(f"  ... and {len(bad) - 20} more", err=True)
    if dry_run or not records:
        return
    from simulators.producer import producer

    offsets = schedule([r.ts for r in records], speed, rate)
    say = lambda line: typer.echo(line, err=True)  # noqa: E731
    try:
        prod = producer(s.bootstrap_servers)
        seconds = send(prod, records, offsets, say)
        prod.close(timeout=10)
    except KafkaError as exc:
        raise _fail(RuntimeError(f"Kafka: {exc}")) from exc
    typer.echo(
        f"sent {len(records)} records to {', '.join('ioc.ingest.' + f for f in feeds)} in {seconds:.1f} s", err=True
    )


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-11-24", param_hint=name) from exc


def _on_calendar(action: Callable[[], object]) -> None:
    from ioc.workdays import CalendarError

    try:
        typer.echo(action())
    except CalendarError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@workdays_cli.command("add")
def workdays_add(
    start: Annotated[str, typer.Argument(help="Start date, YYYY-MM-DD.")],
    n: Annotated[int, typer.Argument(help="Working days to add (negative: go back).")],
) -> None:
    """Print the date N working days after START (START itself for 0)."""
    from ioc.workdays import vietnam

    day = _date(start, "START")
    _on_calendar(lambda: vietnam().add(day, n).isoformat())


@workdays_cli.command("between")
def workdays_between(
    start: Annotated[str, typer.Argument(help="From this date (not counted), YYYY-MM-DD.")],
    end: Annotated[str, typer.Argument(help="To this date (counted), YYYY-MM-DD.")],
) -> None:
    """Print the number of working days after START up to and including END."""
    from ioc.workdays import vietnam

    a, b = _date(start, "START"), _date(end, "END")
    _on_calendar(lambda: vietnam().between(a, b))


def _on_database(action: Callable[[str], T]) -> T:
    import psycopg

    try:
        return action(settings().dsn)
    except psycopg.Error as exc:
        raise _fail(RuntimeError(f"database: {exc}".strip())) from exc


@keys_cli.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who the key is for, e.g. 'Sở TN&MT - trạm quan trắc'.")],
    feed: Annotated[
        list[str] | None, typer.Option(help="A feed the key may send to (repeat); default every feed.")
    ] = None,
    role: Annotated[
        str, typer.Option(help="integrator (ingest), operator (alerts: read, act), official (read), admin.")
    ] = "integrator",
    owner: Annotated[
        str | None, typer.Option(help="The dashboard user (`ioc users add`) who sees this key on their page.")
    ] = None,
) -> None:
    """Create a key and print it once (only its SHA-256 is stored)."""
    from ioc import apikeys
    from ioc.feeds import registry

    if role not in apikeys.ROLES:
        raise typer.BadParameter(f"{role!r} is not one of {', '.join(apikeys.ROLES)}", param_hint="--role")
    unknown = sorted(set(feed or ()) - set(registry()))
    if unknown:
        raise typer.BadParameter(f"unknown feeds {unknown}; known: {sorted(registry())}", param_hint="--feed")
    if not name.strip():
        raise typer.BadParameter("must not be empty", param_hint="NAME")
    try:
        key, secret = _on_database(lambda dsn: apikeys.add(dsn, name.strip(), feed, role, owner))
    except typer.Exit:
        if owner is not None:
            typer.echo(f"(is {owner!r} a user? `ioc users list` shows them)", err=True)
        raise
    feeds = ", ".join(key.feeds or ("all",))
    typer.echo(f"key id {key.key_id} for {key.name!r}, role {key.role}, feeds: {feeds}", err=True)
    typer.echo(secret)


@keys_cli.command("list")
def keys_list() -> None:
    """Print the keys (id, name, role, feeds, created, revoked), never their secrets."""
    from ioc import apikeys

    for key in _on_database(apikeys.list_keys):
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        feeds = ",".join(key.feeds or ("all",))
        typer.echo(f"{key.key_id}\t{key.name}\t{key.role}\t{feeds}\t{key.created_at:%Y-%m-%d}\t{revoked}")


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id `ioc keys list` shows.")]) -> None:
    """Revoke a key at once; requests with it get 401."""
    from ioc import apikeys

    if not _on_database(lambda dsn: apikeys.revoke(dsn, key_id)):
        raise _fail(LookupError(f"no active key {key_id!r}"))
    typer.echo(f"revoked {key_id}")


def _new_password(prompt: bool, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not prompt:
        raise typer.BadParameter("give --password-stdin, or run it in a terminal to be asked", param_hint="password")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


ReceiverOption = Annotated[
    str | None,
    typer.Option(
        help="An official's id among the alert receivers (IOC_RECEIVERS_FILE): their page shows what was sent."
    ),
]


def _check_receiver_listed(receiver: str | None) -> None:
    """A receiver id must be one the receivers file lists (not checked, with a warning, when none is set)."""
    from alerts.routing import RoutingError, load_routing
    from ioc.users import UserError

    path = settings().receivers_file
    if receiver is None:
        return
    if path is None:
        typer.echo("warning: IOC_RECEIVERS_FILE is not set, so the receiver id is not checked", err=True)
        return
    try:
        known = load_routing(path).receivers
    except RoutingError as exc:
        raise UserError(f"receiver: {exc}") from exc
    if receiver not in known:
        raise UserError(f"receiver: {receiver!r} is not in {path.name} (it has {', '.join(sorted(known))})")


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]


@users_cli.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name: a-z, 0-9, '.', '_', '-', e.g. nguyen.an.")],
    role: Annotated[str, typer.Option(help="operator, official, integrator or admin.")],
    name: Annotated[str, typer.Option(help="Name shown on screens, e.g. 'Nguyễn Văn An'.")] = "",
    receiver: ReceiverOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a dashboard user; the password is asked twice (or read from stdin), stored as an Argon2id hash."""
    from ioc import users

    try:
        users.check_new(username, role, "x" * users.MIN_PASSWORD)
        users.check_receiver(role, receiver)
        _check_receiver_listed(receiver)
        password = _new_password(sys.stdin.isatty(), password_stdin)
        user = _on_database(lambda dsn: users.add(dsn, username, name, role, password, receiver))
    except users.UserError as exc:
        raise _fail(exc) from exc
    linked = f", receiver {user.receiver}" if user.receiver else ""
    typer.echo(f"user {user.username} ({user.display_name}), role {user.role}{linked}")


@users_cli.command("receiver")
def users_receiver(
    username: Annotated[str, typer.Argument(help="The official.")],
    receiver: Annotated[str | None, typer.Argument(help="Their receiver id; leave out to unlink.")] = None,
) -> None:
    """Link an official to their alert receiver, so the officials' page shows what was sent to them."""
    from ioc import users

    try:
        _check_receiver_listed(receiver)
        found = _on_database(lambda dsn: users.set_receiver(dsn, username, receiver))
    except users.UserError as exc:
        raise _fail(exc) from exc
    if not found:
        raise _fail(LookupError(f"no user {username!r}"))
    typer.echo(f"{username} linked to receiver {receiver}" if receiver else f"{username} unlinked")


@users_cli.command("list")
def users_list() -> None:
    """Print the users: name, display name, role, created, disabled."""
    from ioc import users

    for user in _on_database(users.list_users):
        state = f"disabled {user.disabled_at:%Y-%m-%d %H:%M}" if user.disabled_at else "active"
        line = f"{user.username}\t{user.display_name}\t{user.role}\t{user.created_at:%Y-%m-%d}\t{state}"
        typer.echo(line + (f"\treceiver {user.receiver}" if user.receiver else ""))


@users_cli.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="The user.")], password_stdin: PasswordStdin = False
) -> None:
    """Set a new password; the user's open sessions end."""
    from ioc import users

    try:
        password = _new_password(sys.stdin.isatty(), password_stdin)
        changed = _on_database(lambda dsn: users.set_password(dsn, username, password))
    except users.UserError as exc:
        raise _fail(exc) from exc
    if not changed:
        raise _fail(LookupError(f"no user {username!r}"))
    if username == "admin":
        (settings().home / "initial-admin-password").unlink(missing_ok=True)  # `ioc run` no longer points to it
    typer.echo(f"password of {username} changed; their sessions ended")


@users_cli.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Disable a user at once: their sessions end and they can no longer log in."""
    from ioc import users

    if not _on_database(lambda dsn: users.disable(dsn, username)):
        raise _fail(LookupError(f"no enabled user {username!r}"))
    typer.echo(f"disabled {username}")


FeedOption = Annotated[str | None, typer.Option(help="Only this feed, e.g. air_quality.")]
SourceOption = Annotated[str | None, typer.Option(help="Only this source id.")]
SinceOption = Annotated[
    str | None, typer.Option(help="Only those received since this time (ISO 8601 with offset) or local date.")
]


@deadletter_cli.command("list")
def deadletter_list(
    feed: FeedOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many, newest first.")] = 50,
) -> None:
    """Print the newest dead letters: time (Asia/Ho_Chi_Minh), id, feed, source, reason."""
    from ioc import deadletter_store

    after = _instant(since, "--since")
    for letter in _on_database(lambda dsn: deadletter_store.find(dsn, feed, source, after, limit)):
        typer.echo(letter.line())


@deadletter_cli.command("show")
def deadletter_show(dl_id: Annotated[str, typer.Argument(help="The id `ioc deadletter list` shows.")]) -> None:
    """Print one dead letter in full, with its original bytes."""
    from ioc import deadletter_store

    letter = _on_database(lambda dsn: deadletter_store.get(dsn, dl_id))
    if letter is None:
        raise _fail(LookupError(f"no dead letter {dl_id!r}"))
    typer.echo(letter.line())
    typer.echo(f"field: {letter.field}\nrule: {letter.rule}\ntopic: {letter.topic}\noriginal: {letter.raw_text()}")


@deadletter_cli.command("replay")
def deadletter_replay(
    feed: FeedOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100000, help="At most this many.")] = 1000,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be replayed.")] = False,
) -> None:
    """Send dead letters not yet replayed back to their ingest topic, to be validated again (after a fix
    of the feed's declaration, say); each becomes an observation or a new dead letter."""
    from ioc import deadletter_store

    after = _instant(since, "--since")
    s = settings()
    found = _on_database(lambda dsn: deadletter_store.find(dsn, feed, source, after, limit, not_replayed=True))
    letters = [letter for letter in found if deadletter_store.replayable(letter)]
    if unsent := sorted({letter.topic for letter in found} - {letter.topic for letter in letters}):
        count = len(found) - len(letters)
        typer.echo(f"{count} dead letters never became records; fix them and send them again to {unsent}", err=True)
    for letter in letters:
        typer.echo(letter.line())
    if dry_run:
        typer.echo(f"{len(letters)} dead letters would be replayed", err=True)
        return
    try:
        count = _on_database(lambda dsn: deadletter_store.replay(dsn, s.bootstrap_servers, letters))
    except (KafkaError, deadletter_store.ReplayError) as exc:
        raise _fail(RuntimeError(f"Kafka: {exc}")) from exc
    typer.echo(f"replayed {count} dead letters", err=True)


@cli.command("bench")
def bench(
    records: Annotated[int, typer.Option(min=20, help="Readings in the drain workload.")] = 20_000,
    seconds: Annotated[float, typer.Option(min=1, help="Duration of the steady-rate stage.")] = 60.0,
    rate: Annotated[
        float | None, typer.Option(min=1, help="Readings/s of the steady stage (default: half this run's drain rate).")
    ] = None,
    clients: Annotated[int, typer.Option(min=1, help="Websocket clients of the fan-out stage.")] = 1000,
    fanout_rate: Annotated[float, typer.Option(min=1, help="KPI messages/s in the fan-out stage.")] = 10.0,
    fanout_seconds: Annotated[float, typer.Option(min=1, help="Duration of each fan-out phase.")] = 20.0,
    only: Annotated[
        str | None, typer.Option(help="Comma-separated stages to run (default all): " + ", ".join(BENCH_STAGES))
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder of the JSON result files.")] = Path("bench/results"),
) -> None:
    """Measure the pipeline beside its ceilings and a peer on the local (or configured) Kafka and TimescaleDB;
    prints a table and writes bench-<time>.json (see docs/performance.md)."""
    from bench.run import Plan
    from bench.run import run as run_bench

    stages = tuple(BENCH_STAGES if only is None else (name.strip() for name in only.split(",") if name.strip()))
    unknown = sorted(set(stages) - set(BENCH_STAGES))
    if unknown or not stages:
        raise _fail(ValueError(f"--only: unknown stages {unknown}; choose from {', '.join(BENCH_STAGES)}"))
    s = settings()
    plan = Plan(
        records=records,
        steady_seconds=seconds,
        steady_rate=rate,
        clients=clients,
        fanout_rate=fanout_rate,
        fanout_seconds=fanout_seconds,
        stages=stages,
    )
    with _services(s):
        results = run_bench(s, plan, say=lambda line: typer.echo(line, err=True))
    typer.echo(results.table())
    typer.echo(f"results: {results.write(out)}", err=True)


def main() -> None:
    cli()
