#!/usr/bin/python3
"""The Python arm of wpbench: the seed post's own stack (psycopg2, SQLAlchemy, psycopg 3,
sqlite3) writing the same decisions as the C++ driver paths.

wpbench embeds this file, writes it to its temp dir and runs it with Debian's python3:

  wpbench_arm.py list                   every case this arm has and its backend, one a line
                                         ("psycopg2/direct postgres"): the test that the
                                         registry (harness/drivers/registry.cpp) agrees
  wpbench_arm.py check CASE...          which cases can run here: JSON {case: missing-module or
                                         null} plus the versions of what is installed; a case
                                         it does not have is listed under "unknown" and the
                                         exit code is 3 (wpbench stops: the two disagree)
  wpbench_arm.py run --case NAME ...    one case: connect, warm up, time each durable insert with
                                         time.perf_counter_ns(), write the raw samples as JSON
  wpbench_arm.py serve --case NAME ...  one case's session, driven one insert at a time over
                                         stdin/stdout, so Python cases interleave with the C++
                                         ones sample by sample (see serve() for the protocol)
  wpbench_arm.py count --case NAME ...  one case under valgrind's callgrind (--instructions):
                                         instructions counted around each insert alone
  wpbench_arm.py connect --library L ... what opening and closing a connection costs through
                                         psycopg2, psycopg 3 or SQLAlchemy (its first connect)
  wpbench_arm.py checksum --seed S --count N   the row checksum of the first N decisions

`run` and `connect` write how many inserts (warm-up ones too) or connects they have done to stdout (a pipe wpbench reads for
its progress line), one number a line, at most ten times a second.

The connection target comes in the WPBENCH_TARGET environment variable (`connect`: WPBENCH_TARGET_0,
_1, ...), never on the command
line, where any user could read a password from the process list. Statistics and verification
are not done here: wpbench computes them with the same code as for every other case.
"""
import argparse
import json
import math
import os
import signal
import struct
import sys
import time

# wpbench asks the arm to stop with SIGINT (its own Ctrl-C). Noted from the first moment, so a
# stop that comes while Python is still starting is a stop, not a KeyboardInterrupt traceback.
STOPPING = []
signal.signal(signal.SIGINT, lambda *_: STOPPING.append(True))

# ---------------------------------------------------------------------------------------------
# The decision generator: a line-for-line port of harness/core/decision.cpp. Every field takes one
# SplitMix64 draw, in the same order, and only integer arithmetic plus one correctly rounded
# division make values, so the rows are bit-identical to the C++ generator's.

MASK = (1 << 64) - 1
SERIES = ["KXHIGHNY", "KXHIGHCHI", "KXHIGHMIA", "KXHIGHAUS", "KXHIGHDEN",
          "KXHIGHLAX", "KXHIGHPHIL", "KXCPI", "KXFED", "KXPAYROLLS"]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
SKIP_REASONS = ["edge below threshold", "score below threshold", "position limit reached",
                "market closes too soon"]
DEFAULT_SEED = 20261124


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def decisions(seed):
    """Endless (ticker, direction, edge, score, action, skip_reason) tuples for `seed`."""
    rng = SplitMix64(seed)
    while True:
        r_series, r_date, r_strike, r_direction, r_edge, r_score, r_reason = (rng.next() for _ in range(7))
        year = 25 + r_date % 2
        month = (r_date >> 8) % 12
        day = 1 + (r_date >> 16) % 28
        kind = "B" if r_strike % 2 == 0 else "T"
        strike = 20 + (r_strike >> 8) % 80
        ticker = f"{SERIES[r_series % len(SERIES)]}-{year:02d}{MONTHS[month]}{day:02d}-{kind}{strike}"
        direction = "yes" if r_direction % 2 == 0 else "no"
        edge = ((r_edge % 40001) - 20000) / 100000.0
        score = (r_score % 1000001) / 1000000.0
        if edge >= 0.03 and score >= 0.55:
            action, reason = "buy", None
        else:
            action = "skip"
            if r_reason % 8 == 0:
                reason = SKIP_REASONS[2 + (r_reason >> 8) % 2]
            else:
                reason = SKIP_REASONS[0] if edge < 0.03 else SKIP_REASONS[1]
        yield ticker, direction, edge, score, action, reason


def checksum(rows):
    """FNV-1a 64 over the canonical row text, as harness/core/decision.cpp RowChecksum."""
    h = 0xCBF29CE484222325
    for ticker, direction, edge, score, action, reason in rows:
        bits = [f"{struct.unpack('<Q', struct.pack('<d', v))[0]:016x}" for v in (edge, score)]
        text = "|".join([ticker, direction, bits[0], bits[1], action, "\\N" if reason is None else reason]) + "\n"
        for byte in text.encode():
            h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


# ---------------------------------------------------------------------------------------------
# The cases: each opens its connection(s) and returns (insert, close[, adapt]). insert(row) is one
# durable insert in the way the post (or the library's documentation) writes it; adapt(row), when
# given, turns a generated row into what insert takes, before the clock starts.

COLUMNS = "(market_ticker, direction, edge, score, action, skip_reason, created_at)"
CASES = {}
MODULES = {}  # case -> the modules it imports
BACKENDS = {}  # case -> "postgres" or "sqlite", as the registry's row for it says


def case(name, *modules, backend):
    def register(fn):
        CASES[name] = fn
        MODULES[name] = modules
        BACKENDS[name] = backend
        return fn
    return register


def pg_insert_sql(table):
    # The post's statement: %s placeholders, the timestamp from the database.
    return f"INSERT INTO {table} {COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, NOW())"


def dbapi_write(conn, sql, row):
    """The post's DB-API write, the same for every driver that has it: a cursor, execute,
    commit, close the cursor (the driver's implicit BEGIN makes it BEGIN; INSERT; COMMIT)."""
    cur = conn.cursor()
    cur.execute(sql, row)
    conn.commit()
    cur.close()


def dbapi_insert(conn, sql):
    """(insert, close) writing each row with dbapi_write on the one connection `conn`."""
    return (lambda row: dbapi_write(conn, sql, row)), conn.close


@case("psycopg2/direct", "psycopg2", backend="postgres")
def psycopg2_direct(target, table, _):
    """The post's snippet exactly."""
    import psycopg2
    return dbapi_insert(psycopg2.connect(target), pg_insert_sql(table))


@case("psycopg2/autocommit", "psycopg2", backend="postgres")
def psycopg2_autocommit(target, table, _):
    """The same with autocommit=True: no BEGIN/COMMIT, one round trip."""
    import psycopg2
    conn = psycopg2.connect(target)
    conn.autocommit = True
    sql = pg_insert_sql(table)

    def insert(row):
        cur = conn.cursor()
        cur.execute(sql, row)
        cur.close()
    return insert, conn.close


@case("psycopg2/pool", "psycopg2", backend="postgres")
def psycopg2_pool(target, table, _):
    """The post's ThreadedConnectionPool: getconn / putconn around each insert."""
    from psycopg2 import pool
    p = pool.ThreadedConnectionPool(minconn=1, maxconn=10, dsn=target)
    sql = pg_insert_sql(table)

    def insert(row):
        conn = p.getconn()
        try:
            dbapi_write(conn, sql, row)
        finally:
            p.putconn(conn)
    return insert, p.closeall


def creator_engine(target):
    """The post's peer-authentication fix: SQLAlchemy builds no connection of its own; a creator
    hands it psycopg2 connections (over the socket: no password)."""
    import psycopg2
    from sqlalchemy import create_engine
    return create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(target))


PARAM_NAMES = ("market_ticker", "direction", "edge", "score", "action", "skip_reason")


@case("sqlalchemy-core/creator", "sqlalchemy", "psycopg2", backend="postgres")
def sqlalchemy_core(target, table, _):
    """Core: engine.begin() + text() insert; the block commits on exit."""
    engine = creator_engine(target)
    stmt = core_insert_statement(table)
    engine.connect().close()  # first connect: SQLAlchemy's dialect queries, not a sample's

    def insert(params):
        with engine.begin() as conn:
            conn.execute(stmt, params)
    return insert, engine.dispose, as_params


@case("sqlalchemy-orm/creator", "sqlalchemy", "psycopg2", "sqlalchemy.orm", backend="postgres")
def sqlalchemy_orm(target, table, _):
    """ORM: a mapped class, Session.add + commit (building the object is the ORM's cost, so it is
    timed). The ORM leaves created_at out of its INSERT and the table's DEFAULT now() sets it."""
    from sqlalchemy import BigInteger, Column, DateTime, Float, Text, func
    from sqlalchemy.orm import Session, declarative_base
    Base = declarative_base()

    class TradeDecision(Base):
        __tablename__ = table
        id = Column(BigInteger, primary_key=True)
        market_ticker = Column(Text, nullable=False)
        direction = Column(Text, nullable=False)
        edge = Column(Float, nullable=False)
        score = Column(Float, nullable=False)
        action = Column(Text, nullable=False)
        skip_reason = Column(Text)
        created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())  # noqa

    engine = creator_engine(target)
    engine.connect().close()

    def insert(row):
        with Session(engine) as session:
            ticker, direction, edge, score, action, reason = row
            session.add(TradeDecision(market_ticker=ticker, direction=direction, edge=edge, score=score,
                                      action=action, skip_reason=reason))
            session.commit()
    return insert, engine.dispose


@case("psycopg3/direct", "psycopg", backend="postgres")
def psycopg3_direct(target, table, _):
    """psycopg 3 written like psycopg2/direct (its implicit transaction: BEGIN; INSERT; COMMIT).
    By default psycopg 3 server-prepares a query on its 6th execution, one extra round trip once;
    wpbench's warm-up (200 by default) takes it."""
    import psycopg
    return dbapi_insert(psycopg.connect(target), pg_insert_sql(table))


@case("psycopg3/pipeline", "psycopg", backend="postgres")
def psycopg3_pipeline(target, table, _):
    """psycopg 3's pipeline mode, the Python twin of libpq/pipeline: BEGIN, the INSERT and COMMIT
    queued behind one sync, one round trip. The connection is in autocommit and sends BEGIN and
    COMMIT itself: psycopg 3.1's implicit transaction syncs right after its BEGIN in pipeline
    mode (Connection._start_query), which makes the documented execute + commit() two round
    trips (measured through the delay proxy: 2.2 x the added round trip)."""
    import psycopg
    conn = psycopg.connect(target, autocommit=True)
    manager = conn.pipeline()  # kept: the pipeline lasts as long as this context manager
    pipeline = manager.__enter__()
    sql = pg_insert_sql(table)

    def insert(row):
        # prepare=False: psycopg would server-prepare BEGIN and COMMIT from their sixth execution
        # too, and a transaction command run from a prepared statement is not the plain BEGIN and
        # COMMIT the other paths send (pg_stat_statements no longer counts them).
        conn.execute("BEGIN", prepare=False)
        conn.execute(sql, row)
        conn.execute("COMMIT", prepare=False)
        pipeline.sync()  # returns once COMMIT is acknowledged, raises what failed

    def close():
        try:
            manager.__exit__(None, None, None)
        finally:
            conn.close()
    return insert, close


# Connect per write: the post's get_connection() called for every decision, and the two ways
# SQLAlchemy code ends up doing the same. Each insert pays a new backend (fork, authentication)
# besides its statements; --connect-per-write runs them, with fewer samples.

@case("psycopg2/connect-per-write", "psycopg2", backend="postgres")
def psycopg2_connect_per_write(target, table, _):
    """psycopg2.connect, cursor, execute, commit, close: a new connection for every decision."""
    import psycopg2
    sql = pg_insert_sql(table)

    def insert(row):
        conn = psycopg2.connect(target)
        try:
            dbapi_write(conn, sql, row)
        finally:
            conn.close()
    return insert, lambda: None


def core_insert_statement(table):
    from sqlalchemy import text
    return text(f"INSERT INTO {table} {COLUMNS} VALUES "
                "(:market_ticker, :direction, :edge, :score, :action, :skip_reason, NOW())")


def as_params(row):
    return dict(zip(PARAM_NAMES, row))


@case("sqlalchemy-core/nullpool", "sqlalchemy", "psycopg2", backend="postgres")
def sqlalchemy_core_nullpool(target, table, _):
    """create_engine(..., poolclass=NullPool): the Engine stays, but every engine.begin() opens a
    new psycopg2 connection and closes it at the end (SQLAlchemy's advice for serverless code)."""
    import psycopg2
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    engine = create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(target),
                           poolclass=NullPool)
    stmt = core_insert_statement(table)
    engine.connect().close()  # the dialect's one-time set-up queries, not a sample's

    def insert(params):
        with engine.begin() as conn:
            conn.execute(stmt, params)
    return insert, engine.dispose, as_params


@case("sqlalchemy-core/engine-per-write", "sqlalchemy", "psycopg2", backend="postgres")
def sqlalchemy_core_engine_per_write(target, table, _):
    """A new Engine for every decision (a helper that calls create_engine each time): its first
    connect runs the dialect's set-up queries again, then the insert, then dispose()."""
    stmt = core_insert_statement(table)

    def insert(params):
        engine = creator_engine(target)
        try:
            with engine.begin() as conn:
                conn.execute(stmt, params)
        finally:
            engine.dispose()
    return insert, lambda: None, as_params


# Async drivers. wpbench times each insert from outside, so each is one run_until_complete of
# the coroutine on one event loop kept for the session: the loop's start and stop per insert
# (tens of microseconds) is counted, on top of what a bot already inside a running loop pays.

def conninfo_params(target):
    """A libpq target (conninfo or URI) as {keyword: value}, parsed by libpq's own
    PQconninfoParse (libpq5 is one of wpbench's own dependencies): asyncpg takes keywords or a
    URI, not conninfo, and a hand-made parser would get quoting and escapes subtly wrong."""
    import ctypes
    from ctypes import POINTER, Structure, byref, c_char_p, c_int, c_void_p

    class Option(Structure):  # PQconninfoOption, libpq-fe.h
        _fields_ = [("keyword", c_char_p), ("envvar", c_char_p), ("compiled", c_char_p),
                    ("val", c_char_p), ("label", c_char_p), ("dispchar", c_char_p), ("dispsize", c_int)]

    libpq = ctypes.CDLL("libpq.so.5")
    libpq.PQconninfoParse.restype = POINTER(Option)
    libpq.PQconninfoParse.argtypes = [c_char_p, POINTER(c_void_p)]
    libpq.PQconninfoFree.argtypes = [POINTER(Option)]
    libpq.PQfreemem.argtypes = [c_void_p]
    err = c_void_p()
    options = libpq.PQconninfoParse(target.encode(), byref(err))
    if not options:
        message = ctypes.string_at(err).decode(errors="replace").strip() if err else "out of memory"
        if err:
            libpq.PQfreemem(err)
        raise ValueError(f"the connection target does not parse: {message}")
    try:
        out, i = {}, 0
        while options[i].keyword is not None:
            if options[i].val is not None:
                out[options[i].keyword.decode()] = options[i].val.decode()
            i += 1
        return out
    finally:
        libpq.PQconninfoFree(options)


def asyncpg_connect_args(target):
    """asyncpg.connect keywords for a libpq target: host (a socket dir or an address), port,
    user, password, database, and TLS as libpq's sslmode says (verify-full: the CA file and
    the host name checked, as the tls transport's libpq cases do)."""
    p = conninfo_params(target)
    args = {k: p[key] for k, key in (("host", "host"), ("user", "user"), ("password", "password"),
                                      ("database", "dbname")) if key in p}
    if "port" in p:
        args["port"] = int(p["port"])
    if "hostaddr" in p and "host" not in p:
        args["host"] = p["hostaddr"]
    mode = p.get("sslmode", "")
    if mode in ("verify-full", "verify-ca"):
        import ssl
        ctx = ssl.create_default_context(cafile=p.get("sslrootcert"))
        ctx.check_hostname = mode == "verify-full"
        args["ssl"] = ctx
    elif mode == "disable":
        args["ssl"] = False
    elif mode:
        args["ssl"] = mode
    return args


def async_session(connect, write, close):
    """(insert, close) over one event loop: connect() -> state, write(state, row), close(state),
    each a coroutine function."""
    import asyncio
    loop = asyncio.new_event_loop()
    try:
        state = loop.run_until_complete(connect())
    except BaseException:
        loop.close()
        raise

    def insert(row):
        loop.run_until_complete(write(state, row))

    def finish():
        try:
            loop.run_until_complete(close(state))
        finally:
            loop.close()
    return insert, finish


@case("asyncpg/transaction", "asyncpg", backend="postgres")
def asyncpg_transaction(target, table, _):
    """asyncpg as its documentation writes a write: `async with conn.transaction()` around
    `conn.execute(query, *args)`, $n placeholders. asyncpg prepares the statement once and keeps
    it (its statement cache), so the INSERT is a named prepared statement; BEGIN, INSERT, COMMIT."""
    import asyncpg
    sql = f"INSERT INTO {table} {COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, NOW())"

    async def connect():
        return await asyncpg.connect(**asyncpg_connect_args(target))

    async def write(conn, row):
        async with conn.transaction():
            await conn.execute(sql, *row)

    async def close(conn):
        await conn.close()
    return async_session(connect, write, close)


@case("psycopg3/async", "psycopg", backend="postgres")
def psycopg3_async(target, table, _):
    """psycopg 3's AsyncConnection as its documentation writes it: an async cursor, execute,
    commit (its implicit transaction: BEGIN; INSERT; COMMIT)."""
    import psycopg
    sql = pg_insert_sql(table)

    async def connect():
        return await psycopg.AsyncConnection.connect(target)

    async def write(conn, row):
        async with conn.cursor() as cur:
            await cur.execute(sql, row)
        await conn.commit()

    async def close(conn):
        await conn.close()
    return async_session(connect, write, close)


@case("psycopg3/async-pool", "psycopg", "psycopg_pool", backend="postgres")
def psycopg3_async_pool(target, table, _):
    """psycopg_pool's AsyncConnectionPool as its documentation writes it: `async with
    pool.connection() as conn: await conn.execute(...)`, the block committing on exit."""
    import psycopg_pool
    sql = pg_insert_sql(table)

    async def connect():
        pool = psycopg_pool.AsyncConnectionPool(target, min_size=1, max_size=4, open=False)
        await pool.open(wait=True)
        return pool

    async def write(pool, row):
        async with pool.connection() as conn:
            await conn.execute(sql, row)

    async def close(pool):
        await pool.close()
    return async_session(connect, write, close)


@case("python-sqlite3/seed", "sqlite3", backend="sqlite")
def python_sqlite3(target, table, sqlite):
    """The post's SQLite path: sqlite3.connect(..., check_same_thread=False), ? placeholders,
    commit; with the C++ SQLite cases' durability (WAL + synchronous=FULL by default)."""
    import sqlite3
    conn = sqlite3.connect(target, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(sqlite['busy_timeout_ms'])}")
    conn.execute(f"PRAGMA journal_mode={sqlite['journal_mode']}")
    conn.execute(f"PRAGMA synchronous={sqlite['synchronous']}")
    sql = (f"INSERT INTO {table} {COLUMNS} VALUES (?, ?, ?, ?, ?, ?, "
           "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
    return dbapi_insert(conn, sql)


# ---------------------------------------------------------------------------------------------

def versions():
    out = {"python": sys.version.split()[0]}
    for module, key in (("psycopg2", "psycopg2"), ("sqlalchemy", "sqlalchemy"), ("psycopg", "psycopg")):
        try:
            out[key] = __import__(module).__version__.split()[0]
        except ImportError:
            pass
    return out


def import_modules(name):
    """Imports what a case needs, so that import time is counted nowhere (not as connect time)."""
    for module in MODULES[name]:
        __import__(module)


def check(names):
    """{"cases": {case: the first module missing, or None}, "versions": ...}, and "unknown": the
    names this arm has no case for. An unknown name is a build mistake, not a module to install:
    wpbench stops on it rather than reporting the case not measured."""
    result, unknown = {}, []
    for name in names:
        if name not in CASES:
            unknown.append(name)
            continue
        missing = None
        for module in MODULES[name]:
            try:
                __import__(module)
            except ImportError:
                missing = module
                break
        result[name] = missing
    out = {"cases": result, "versions": versions()}
    if unknown:
        out["unknown"] = unknown
    return out


class Schedule:
    """Intended start offsets (ns) of an open-loop run, as harness/core/schedule.cpp makes them:
    fixed spacing from the index, or exponential gaps from SplitMix64 (the same seed gives the
    same arrivals as the C++ paths)."""

    def __init__(self, rate, kind, seed):
        self.rate, self.kind, self.rng, self.i, self.at = rate, kind, SplitMix64(seed), 0, 0.0

    def next(self):
        i, self.i = self.i, self.i + 1
        if self.kind == "fixed":
            return round(i * 1e9 / self.rate)
        at = self.at
        u = ((self.rng.next() >> 11) + 1.0) * 2.0 ** -53
        self.at += -math.log(u) * 1e9 / self.rate
        return round(at)


def wait_until(clock, t):
    """Sleeps in slices (a stop is seen within 0.1 s) to 0.1 ms before `t`, then spins: the
    wake-up delay of a plain sleep would be counted in every open-loop latency."""
    while not STOPPING:
        left = t - clock()
        if left <= 100_000:
            break
        time.sleep(min(left - 100_000, 100_000_000) / 1e9)
    while clock() < t and not STOPPING:
        pass


class ProgressOut:
    """Tells wpbench how many samples are done: the count on stdout, at most every 0.1 s, so the
    write costs nothing a sample would notice. It runs between samples, outside the timed region."""

    def __init__(self, clock):
        self.clock, self.next = clock, 0

    def __call__(self, done, force=False):
        now = self.clock()
        if force or now >= self.next:
            self.next = now + 100_000_000
            try:
                sys.stdout.write(f"{done}\n")
                sys.stdout.flush()
            except OSError:  # wpbench stopped reading: progress is not worth failing for
                pass


def open_case(name, target, table, sqlite):
    """Connects case `name`: (insert, close, adapt), adapt turning a decision row into what the
    case's insert takes (the row itself unless the case says otherwise)."""
    opened = CASES[name](target, table, sqlite)
    adapt = opened[2] if len(opened) > 2 else (lambda row: row)
    return opened[0], opened[1], adapt


def run(args):
    """Measures one case; the result always reaches the file, with what was measured so far."""
    out = {"connect_ns": 0, "samples_ns": [], "starts_ns": [], "lags_ns": [], "elapsed_ns": 0, "cpu_ns": 0,
           "inserted": 0, "error": None}
    target = os.environ.get("WPBENCH_TARGET", "")
    sqlite = {"journal_mode": args.journal_mode, "synchronous": args.synchronous,
              "busy_timeout_ms": args.busy_timeout_ms}
    gen = decisions(args.seed)
    samples, starts, lags = out["samples_ns"], out["starts_ns"], out["lags_ns"]
    schedule = Schedule(args.rate, args.schedule, args.schedule_seed) if args.rate > 0 else None
    close = None
    clock = time.perf_counter_ns
    progress = ProgressOut(clock)
    start = end = cpu0 = None
    try:
        import_modules(args.case)
        t0 = clock()
        insert, close, adapt = open_case(args.case, target, args.table, sqlite)
        out["connect_ns"] = clock() - t0
        while out["inserted"] < args.warmup and not STOPPING:
            insert(adapt(next(gen)))
            out["inserted"] += 1
            progress(out["inserted"])
        cpu0 = time.process_time_ns()
        start = end = clock()
        total = args.warmup + args.samples
        while out["inserted"] < total and not STOPPING:
            row = adapt(next(gen))  # made before the clock starts, as in the C++ runner
            if schedule is not None:
                intended = start + schedule.next()
                wait_until(clock, intended)
                if STOPPING:
                    break
            t0 = clock()
            insert(row)
            end = clock()
            out["inserted"] += 1
            starts.append(t0 - start)
            if schedule is not None:
                samples.append(end - intended)  # from the intended start, as the C++ runner does
                lags.append(max(0, t0 - intended))
            else:
                samples.append(end - t0)
            progress(out["inserted"])
    except Exception as e:  # any driver error ends the case; it is reported, not raised
        out["error"] = " ".join(f"{type(e).__name__}: {e}".split())
    finally:
        # What was measured before an error keeps its throughput, as in the C++ runner.
        if start is not None:
            out["elapsed_ns"] = end - start
            out["cpu_ns"] = time.process_time_ns() - cpu0
        if close is not None:
            try:
                close()
            except Exception:
                pass
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump(out, f)
    progress(out["inserted"], force=True)
    return 0


# ---------------------------------------------------------------------------------------------
# Connect cost: each library's way to hand back a connection ready for statements, and to close
# it, as harness/measure/connect_cost.cpp times the C++ libraries'.

def connect_psycopg2(target):
    import psycopg2
    conn = psycopg2.connect(target)
    return conn.close


def connect_psycopg3(target):
    import psycopg
    conn = psycopg.connect(target)
    return conn.close


def connect_sqlalchemy(target):
    """SQLAlchemy's first connect: a new Engine (the post's creator=) and its first connection,
    which runs the dialect's set-up queries (server version, schema, string settings) that every
    later checkout from the pool skips. What a program that builds an Engine per write pays."""
    engine = creator_engine(target)
    conn = engine.connect()

    def close():
        conn.close()
        engine.dispose()
    return close


def connect_asyncpg(target):
    """asyncpg.connect on an event loop of its own; it reads the server's type catalogue only
    when a statement needs it, so a connect is the protocol's exchange alone."""
    import asyncio
    import asyncpg
    loop = asyncio.new_event_loop()
    try:
        conn = loop.run_until_complete(asyncpg.connect(**asyncpg_connect_args(target)))
    except BaseException:
        loop.close()
        raise

    def close():
        try:
            loop.run_until_complete(conn.close())
        finally:
            loop.close()
    return close


CONNECTORS = {"asyncpg": (connect_asyncpg, ("asyncpg",)),
              "psycopg2": (connect_psycopg2, ("psycopg2",)),
              "psycopg3": (connect_psycopg3, ("psycopg",)),
              "sqlalchemy": (connect_sqlalchemy, ("sqlalchemy", "psycopg2"))}


def connect(args):
    """For each of the `targets` targets (WPBENCH_TARGET_0, _1, ...): one untimed open and close
    (imports, one-time set-up), then `samples` timed ones. A database error ends that target's row
    with `error` set and the next one starts; a stop ends all, keeping the rows begun."""
    rows = []
    opener, modules = CONNECTORS[args.library]
    clock = time.perf_counter_ns
    progress = ProgressOut(clock)
    done = 0
    for module in modules:
        __import__(module)
    for i in range(args.targets):
        if STOPPING:
            break
        target = os.environ.get(f"WPBENCH_TARGET_{i}", "")
        row = {"connect_ns": [], "close_ns": [], "error": None}
        rows.append(row)
        try:
            opener(target)()
            while len(row["connect_ns"]) < args.samples and not STOPPING:
                t0 = clock()
                close = opener(target)
                t1 = clock()
                close()
                t2 = clock()
                row["connect_ns"].append(t1 - t0)
                row["close_ns"].append(t2 - t1)
                done += 1
                progress(done)
        except Exception as e:
            row["error"] = " ".join(f"{type(e).__name__}: {e}".split())
    with open(args.result, "w", encoding="utf-8") as f:
        json.dump({"rows": rows}, f)
    progress(done, force=True)
    return 0


def serve(args, commands=sys.stdin, replies=sys.stdout):
    """One case's session for wpbench's interleaved rounds. Lines in, lines out:

      (on start)  -> "ready CONNECT_NS" | "error MESSAGE"
      "w N"       -> N untimed warm-up inserts; "ok" | "error MESSAGE"
      "i"         -> one timed insert; "LATENCY_NS CPU_NS" | "error MESSAGE"
      "q"         -> closes the connection; "bye INSERTED"

    The row is made before the clock starts and the reply is written after it stops, so the
    pipe's round trip is outside the timed region, as the C++ paths' clock reads are. CPU_NS is
    this process's CPU time across the insert. After an error the session only answers "q".
    """
    target = os.environ.get("WPBENCH_TARGET", "")
    sqlite = {"journal_mode": args.journal_mode, "synchronous": args.synchronous,
              "busy_timeout_ms": args.busy_timeout_ms}
    gen = decisions(args.seed)
    clock, cpu = time.perf_counter_ns, time.process_time_ns
    inserted, close, failed = 0, None, False

    def reply(text):
        replies.write(text + "\n")
        replies.flush()

    def error(e):
        return "error " + " ".join(f"{type(e).__name__}: {e}".split())

    try:
        import_modules(args.case)
        t0 = clock()
        insert, close, adapt = open_case(args.case, target, args.table, sqlite)
        reply(f"ready {clock() - t0}")
    except Exception as e:  # reported, the session then only waits for "q"
        failed = True
        reply(error(e))
    for line in commands:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "q":
            break
        if failed:
            reply("error the session failed earlier")
            continue
        try:
            if cmd[0] == "w":
                for _ in range(int(cmd[1])):
                    insert(adapt(next(gen)))
                    inserted += 1
                reply("ok")
            elif cmd[0] == "i":
                row = adapt(next(gen))
                c0 = cpu()
                t0 = clock()
                insert(row)
                t1 = clock()
                c1 = cpu()
                inserted += 1
                reply(f"{t1 - t0} {c1 - c0}")
            else:
                reply(f"error unknown command {cmd[0]!r}")
        except Exception as e:
            failed = True
            reply(error(e))
    if close is not None:
        try:
            close()
        except Exception:
            pass
    reply(f"bye {inserted}")
    return 0


def count(args):
    """Runs under `valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no`: connects and
    warms up uninstrumented (imports and all), then has callgrind instrument the process and
    collect only while each measured insert runs, through libwpbench_toggle.so (Python cannot
    issue valgrind's client requests itself). Errors go to stderr, one line, exit 1."""
    import ctypes
    toggle = ctypes.CDLL(args.toggle_lib)
    target = os.environ.get("WPBENCH_TARGET", "")
    sqlite = {"journal_mode": args.journal_mode, "synchronous": args.synchronous, "busy_timeout_ms": 5000}
    gen = decisions(args.seed)
    close = None
    try:
        import_modules(args.case)
        insert, close, adapt = open_case(args.case, target, args.table, sqlite)
        for _ in range(args.warmup):
            insert(adapt(next(gen)))
        collect = toggle.wpbench_toggle_collect
        toggle.wpbench_start_instrumentation()
        for _ in range(args.samples):
            row = adapt(next(gen))
            collect()
            insert(row)
            collect()
    except Exception as e:
        print(" ".join(f"{type(e).__name__}: {e}".split()), file=sys.stderr)
        return 1
    finally:
        if close is not None:
            try:
                close()
            except Exception:
                pass
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="wpbench_arm.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    c = sub.add_parser("check")
    c.add_argument("--result", required=True)
    c.add_argument("cases", nargs="*")
    def writer_args(parser, counted):
        """What every command that writes decisions takes: the case, its table and stream, the
        SQLite settings, and (for a counted run) warm-up and sample counts."""
        parser.add_argument("--case", required=True, choices=sorted(CASES))
        parser.add_argument("--table", required=True)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        if counted:
            parser.add_argument("--warmup", type=int, default=0)
            parser.add_argument("--samples", type=int, required=True)
        parser.add_argument("--journal-mode", default="WAL")
        parser.add_argument("--synchronous", default="FULL")

    r = sub.add_parser("run")
    writer_args(r, counted=True)
    r.add_argument("--result", required=True)
    r.add_argument("--busy-timeout-ms", type=int, default=5000)
    r.add_argument("--rate", type=float, default=0.0, help="inserts per second (0: closed loop)")
    r.add_argument("--schedule", choices=("fixed", "poisson"), default="fixed")
    r.add_argument("--schedule-seed", type=int, default=0)
    v = sub.add_parser("serve")
    writer_args(v, counted=False)
    v.add_argument("--busy-timeout-ms", type=int, default=5000)
    n = sub.add_parser("count")
    writer_args(n, counted=True)
    n.add_argument("--toggle-lib", required=True)
    o = sub.add_parser("connect")
    o.add_argument("--library", required=True, choices=sorted(CONNECTORS))
    o.add_argument("--samples", type=int, required=True)
    o.add_argument("--targets", type=int, required=True, help="WPBENCH_TARGET_0 ... _N-1")
    o.add_argument("--result", required=True)
    k = sub.add_parser("checksum")
    k.add_argument("--seed", type=int, default=DEFAULT_SEED)
    k.add_argument("--count", type=int, required=True)
    args = ap.parse_args(argv[1:])
    if args.cmd == "list":
        for name in CASES:
            print(name, BACKENDS[name])
        return 0
    if args.cmd == "check":
        answer = check(args.cases)
        with open(args.result, "w", encoding="utf-8") as f:
            json.dump(answer, f)
        if "unknown" in answer:
            print("wpbench_arm.py: no case " + ", ".join(answer["unknown"]), file=sys.stderr)
            return 3
        return 0
    if args.cmd == "serve":
        return serve(args)
    if args.cmd == "count":
        return count(args)
    if args.cmd == "connect":
        return connect(args)
    if args.cmd == "checksum":
        gen = decisions(args.seed)
        print(f"{checksum(next(gen) for _ in range(args.count)):016x}")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
