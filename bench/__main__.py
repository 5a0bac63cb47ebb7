"""python -m bench [--quick]: measure, write bench/results.json and docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder}/{name}.db"


def measure_sweep(folder: Path, councils: int, open_items: int, due: int, repeats: int = 1,
                  also_serial: bool = False, pairs: bool = False) -> dict:
    """Build the data here, time the sweep at TICK in a child process (bench/sweep_child.py: its
    peak RSS is the sweep's alone); with repeats > 1 the median run is reported — single runs of
    ~0.1 s swing by 2× on this machine. `also_serial`: time it again in the same child as a
    process's first big tick (`cold`: its worker started within the tick) and with no worker
    (`serial`: one core). `pairs`: each of the `repeats` runs on a copy of its own, followed at once
    by its floor (`measure_floor`); the pair with the median ratio is reported."""
    from tests.support.worlds import build

    url = fresh_url(folder, f"sweep-{open_items}-{due}")
    build(url, councils, open_items, due)
    done = subprocess.run([sys.executable, "-m", "bench.sweep_child", url, str(repeats),
                           "cold,auto,serial,plain" if also_serial else "auto", *(["--fresh", "--floor"] if pairs else [])],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    child = json.loads(done.stdout.strip().splitlines()[-1])
    runs = child["modes"]["auto"]
    floors = child["floors"]
    if floors:  # the run whose ratio to its own floor is the median
        order = sorted(range(len(runs)), key=lambda k: runs[k][0] / floors[k]["seconds"])
        chosen = order[len(order) // 2]
    else:
        chosen = [r[0] for r in runs].index(sorted(runs)[len(runs) // 2][0])
    seconds, queued = runs[chosen]
    serial, cold = sorted(child["modes"].get("serial", [])), child["modes"].get("cold", [])
    plain = sorted(child["modes"].get("plain", []))
    return {"seconds": seconds, "queued": queued, "per_second": queued / seconds if seconds else 0, "url": url,
            # the CPU time (sweeper, worker) of the run reported: the machine's work, whatever the overlap
            "cpu": child["cpu"]["auto"][chosen], "floor": floors[chosen] if floors else None,
            "log_back": child["log_back"][chosen] if child.get("log_back") else None,
            "pairs": [(round(r[0], 3), round(f["seconds"], 3)) for r, f in zip(runs, floors)],
            "runs": [round(r[0], 3) for r in runs], "peak_mb": child["peak_mb"], "sweeper_mb": child["sweeper_mb"],
            "worker_mb": child["worker_mb"], "serial_seconds": serial[len(serial) // 2][0] if serial else None,
            "plain_seconds": plain[len(plain) // 2][0] if plain else None,
            "cold_seconds": cold[0][0] if cold else None, "cold_cpu": child["cpu"]["cold"][0] if cold else None}


def measure_growth(folder: Path, councils: int, sizes: tuple, due: int, rounds: int, repeats: int) -> list[list[float]]:
    """The sweep of the same due set at each size of open items, the sizes taken in turn: `rounds`
    times, `repeats` sweeps each time, in a child process (bench/sweep_child.py, which puts the due
    set back after its sweeps). Runs of ~0.5 s swing by ±20 % on this machine within minutes; in
    turn, a drift falls on every size alike instead of on the last one built. Each size's runs."""
    from tests.support.worlds import build

    urls = []
    for n in sizes:
        urls.append(fresh_url(folder, f"growth-{n}-{due}"))
        build(urls[-1], councils, n, due)
    runs: list[list[float]] = [[] for _ in sizes]
    for _ in range(rounds):
        for k, url in enumerate(urls):
            done = subprocess.run([sys.executable, "-m", "bench.sweep_child", url, str(repeats)], cwd=ROOT,
                                  capture_output=True, text=True, check=True)
            runs[k] += [r[0] for r in json.loads(done.stdout.strip().splitlines()[-1])["runs"]]
    return runs


def _driver_rows(session, sql: str) -> tuple[list[str], list[tuple]]:
    """Rows as the database stores them (the driver's own values, no column types applied)."""
    cursor = session.connection().exec_driver_sql(sql)
    return list(cursor.keys()), [tuple(row) for row in cursor.fetchall()]


def _insert_raw(session, table: str, columns: list[str], rows: list[tuple]) -> float:
    """The cheapest insert there is: one executemany on the driver's cursor, one commit — no
    per-row work in SQLAlchemy (its executemany of 100,000 dicts took 2.0–2.9 s where the
    driver's took 0.95 s for the same notification rows)."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    cursor = session.connection().connection.dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    start = time.perf_counter()
    cursor.executemany(sql, rows)
    session.commit()
    seconds = time.perf_counter() - start
    cursor.execute("PRAGMA wal_autocheckpoint=1000")
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return seconds


def measure_floor(url: str, limit: int) -> dict:
    """Render the same messages alone + insert the same outbox rows alone, the cheapest way
    (the driver's executemany, `_insert_raw`)."""
    from cobuild.notifications.rendering import render
    from cobuild.notifications.samples import sample
    from cobuild.platform.db import session_for

    context = sample("deadline_approaching")
    start = time.perf_counter()
    for _ in range(limit):
        render("deadline_approaching", "zh", context)
    render_seconds = time.perf_counter() - start
    with session_for(url) as session:
        # the sweep's own first message, copied `limit` times under fresh dedupe keys
        columns, (template,) = _driver_rows(session, "SELECT * FROM notification LIMIT 1")
        key = columns.index("dedupe_key")
        columns, template = columns[1:], list(template[1:])  # no id: the database numbers them
        rows = []
        for i in range(limit):
            template[key - 1] = f"floor-{i}"
            rows.append(tuple(template))
        insert_seconds = _insert_raw(session, "notification", columns, rows)
    return {"seconds": render_seconds + insert_seconds, "render": render_seconds, "insert": insert_seconds}


def measure_other_writes(url: str) -> dict:
    """The sweep's other writes alone, which the floor leaves out, the cheapest way: its
    deliveries inserted again (`_insert_raw`, then removed), and its items' `next_reminder_at`
    written back with the values the sweep gave them (one executemany UPDATE on the driver's
    cursor). Render + notifications (the floor) + these is what any sweep must do before it has
    read anything."""
    from cobuild.platform.db import session_for

    with session_for(url) as session:
        last = session.connection().exec_driver_sql("SELECT max(id) FROM delivery").scalar() or 0
        columns, rows = _driver_rows(session, "SELECT * FROM delivery")
        insert_seconds = _insert_raw(session, "delivery", columns[1:], [row[1:] for row in rows])
        session.connection().exec_driver_sql(f"DELETE FROM delivery WHERE id > {int(last)}")
        session.commit()
        _, swept = _driver_rows(session, "SELECT next_reminder_at, id FROM item WHERE id IN (SELECT DISTINCT "
                                         "subject_id FROM notification WHERE subject_type = 'item')")
        cursor = session.connection().connection.dbapi_connection.cursor()
        start = time.perf_counter()
        cursor.executemany("UPDATE item SET next_reminder_at = ? WHERE id = ?", swept)
        session.commit()
        update_seconds = time.perf_counter() - start
    return {"deliveries": len(rows), "insert": insert_seconds, "items": len(swept), "update": update_seconds}


SPIN = "import sys, time\nt = time.perf_counter()\nx = 0\nfor i in range(int(sys.argv[1])): x += i\nprint(time.perf_counter() - t)"


def measure_core_sharing(quick: bool = False) -> float:
    """How much slower two CPU-bound processes run together than one alone: what a second process
    (the sweep's worker) costs the first on this machine's cores."""
    loops, repeats = ("2000000", 1) if quick else ("10000000", 3)

    def spin(n: int) -> float:
        children = [subprocess.Popen([sys.executable, "-c", SPIN, loops], stdout=subprocess.PIPE, text=True)
                    for _ in range(n)]
        return statistics.mean(float(child.communicate()[0]) for child in children)

    alone = statistics.median(spin(1) for _ in range(repeats))
    together = statistics.median(spin(2) for _ in range(repeats))
    return together / alone


def measure_idle(url: str, runs: int = 21) -> dict:
    """Sweeps of the database the throughput figure swept: every item rescheduled, nothing due."""
    from cobuild.platform.db import session_for
    from cobuild.sweep.run import sweep
    from tests.support.worlds import TICK

    times = []
    with session_for(url) as session:
        for n in range(runs):
            start = time.perf_counter()
            result = sweep(session, TICK + timedelta(seconds=n + 1))
            times.append(time.perf_counter() - start)
            if result["items"]:
                raise RuntimeError(f"the idle sweep found {result['items']} items due")
    return {"median_ms": statistics.median(times) * 1000}


def measure_cli(demo_db: str, quick: bool = False) -> dict:
    def timed(args: list[str], runs: int = 3 if quick else 5) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(args, capture_output=True, check=False)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    # the installed scripts next to this interpreter, not whatever is first on PATH (a pyenv shim
    # there adds ~0.1 s of bash and pyenv to every start)
    bin_dir = Path(sys.executable).parent
    cobuild, prefect = str(bin_dir / "cobuild"), str(bin_dir / "prefect")
    return {"help": timed([cobuild, "--help"]), "read": timed([cobuild, "council", "list", "--db", demo_db]),
            "prefect_help": timed([prefect, "--help"], runs=1 if quick else 3),
            # what any command that reads the database must import: the floor of "read"
            "import_models": timed([sys.executable, "-c", "import sqlalchemy.orm, sqlmodel, models"]),
            "python": timed([sys.executable, "-c", "pass"])}


def measure_reports(url: str, items: int) -> dict:
    """Per-unit scorecards and points for every council, on the swept database turned into a
    year's spread of outcomes (bench.data.mix_for_reports: closed on time and late, overdue,
    cancelled, never numbered, cooperating and given-back claims).

    The kept cards (models.reports) are refreshed by the scheduler every 5 minutes, so a report
    finds at most that long's changes to count: the figure is the report after the changes of a
    busy 5 minutes (`changes`, closing random items in progress), median of 3 rounds. The
    baseline, in the same run, is the first report, with nothing kept: every unit's counts from
    the items. Also measured: nothing changed, and a whole working day's changes with no tick."""
    from sqlalchemy import text

    from cobuild.platform.db import session_for
    from cobuild.reports.tracking import scorecards
    from tests.support.worlds import close_items, mix_for_reports

    # 1M items a year, ~6 counted changes each (raised, accepted, numbered, claimed, asked to
    # close, closed), over 250 working days of 8 hours: ~250 changes in 5 minutes, 24,000 a day
    changes, day_changes = max(5, items // 4_000), max(100, items * 6 // 250)
    mix = mix_for_reports(url)
    day = date(2026, 6, 2)
    rng = random.Random(5)

    def timed_report(session) -> tuple[float, list]:
        start = time.perf_counter()
        rows = scorecards(session, None, day)
        return time.perf_counter() - start, rows

    with session_for(url) as session:
        councils = session.execute(text("SELECT count(*) FROM council")).scalar_one()
        working = [i for (i,) in session.execute(text("SELECT id FROM item WHERE status = 'in_progress'"))]
        rng.shuffle(working)
        cold, rows = timed_report(session)
        unchanged, _ = timed_report(session)
        runs = []
        for _ in range(3):
            close_items(url, [working.pop() for _ in range(changes)], day)
            runs.append(timed_report(session)[0])
        close_items(url, [working.pop() for _ in range(min(day_changes, len(working)))], day)
        whole_day, _ = timed_report(session)
    return {"seconds": statistics.median(runs), "runs": runs, "baseline": cold, "unchanged": unchanged,
            "whole_day": whole_day, "changes": changes, "day_changes": day_changes, "councils": councils,
            "units": len(rows), "mix": mix}


def measure_demo(folder: Path, quick: bool = False) -> dict:
    """The demo on a fresh PREFECT_HOME (cold), then again on a fresh database (warm: the figure).
    Quick: the cold run only, which then stands for both."""
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect-home")}
    start = time.perf_counter()
    subprocess.run(["cobuild", "demo", "--json", "--db", f"sqlite:///{folder}/demo.db", "--out", str(folder / "out")],
                   cwd=folder, capture_output=True, check=True, env=env)
    cold = time.perf_counter() - start
    if quick:
        return {"cold": cold, "warm": cold, "db": f"sqlite:///{folder}/demo.db", "quick": True}
    start = time.perf_counter()
    subprocess.run(["cobuild", "demo", "--json", "--db", f"sqlite:///{folder}/demo.db", "--out", str(folder / "out")],
                   cwd=folder, capture_output=True, check=True, env=env)
    return {"cold": cold, "warm": time.perf_counter() - start, "db": f"sqlite:///{folder}/demo.db"}


def measure_naive(folder: Path, n: int) -> dict:
    """One Prefect task per reminder, in its own process (Prefect stays out of this one)."""
    from tests.support.worlds import build

    url = fresh_url(folder, "naive")
    build(url, 5, n * 2, n)
    # the demo's Prefect home when the demo ran: Prefect's server then finds its database made
    # (~5 s here); the server starts before the clock starts either way
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect-home"), "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
           "PREFECT_LOGGING_LEVEL": "CRITICAL"}
    env.pop("PREFECT_API_URL", None)
    out = subprocess.run([sys.executable, "-m", "bench.naive", url, str(n)], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


RUN = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
OLD_ROWS = (("sweep", "sweep throughput"), ("memory", "sweep memory"), ("growth", "sweep growth"), ("idle", "idle sweep"),
            ("reports", "reports"), ("demo", "demo"), ("cli", "CLI"), ("naive", "naive"), ("dispatch", "dispatch"),
            ("pg", "Postgres"), ("web", "web under"), ("contested", "contested"), ("cycle", "cobuild cycle"),
            ("serve_memory", "cobuild serve idle"), ("capacity", "item reads"), ("mixed", "mixed load"),
            ("overload", "overload"), ("page", "the item page"))
GROUPS = ("sweep", "growth", "reports", "demo", "naive", "dispatch", "pg", "web", "local", "capacity")  # --only takes these


def result(key, figure, unit, measured, target, baseline=None, ratio=None, met=None, note=""):
    return {"key": key, "run": RUN, "figure": figure, "unit": unit, "measured": round(measured, 3) if measured is not None else None,
            "target": target, "baseline": round(baseline, 3) if isinstance(baseline, float) else baseline,
            "ratio": round(ratio, 3) if ratio is not None else None, "met": met, "note": note}


def _lane_data(folder: Path, scale: dict, want) -> tuple[list, dict | None]:
    """The sweep and what reads its database (idle, reports), growth, dispatch, PostgreSQL, web."""
    from tests.support.worlds import build

    results = []
    sweep_run = measure_sweep(folder, scale["councils"], scale["items"], scale["due"], repeats=scale["sweep_pairs"],
                              also_serial=True, pairs=True) if want("sweep") else None
    if sweep_run:
        record_sweep(results, scale, sweep_run)
    if want("growth"):
        growth = measure_growth(folder, scale["councils"], scale["growth"], scale["growth_due"], scale["growth_rounds"],
                                scale["growth_repeats"])
        medians = [statistics.median(runs) for runs in growth]
        grow = medians[-1] / medians[0]
        results.append(result("growth", f"sweep growth, due {scale['growth_due']:,}, open {scale['growth'][0]:,} → {scale['growth'][-1]:,}",
                              "× time", grow, "< 1.3× from 100k to 1M", medians[0], grow, grow < 1.3,
                              f"median of {len(growth[0])} runs each, the sizes taken in turn ({scale['growth_rounds']} rounds of "
                              f"{scale['growth_repeats']}); " + "; ".join(
                                  f"{n:,}: {m:.3f}s ({min(runs):.3f}–{max(runs):.3f})"
                                  for n, m, runs in zip(scale["growth"], medians, growth))))
    if sweep_run:
        idle = measure_idle(sweep_run["url"])
        results.append(result("idle", f"idle sweep ({scale['items']:,} open, nothing due)", "ms (median)", idle["median_ms"],
                              "< 20 ms at 1M", None, None, idle["median_ms"] < 20))
    if want("reports"):
        url = sweep_run["url"] if sweep_run else fresh_url(folder, "reports")
        if not sweep_run:
            build(url, scale["councils"], scale["items"], scale["due"])
        record_reports(results, measure_reports(url, scale["items"]))
    if want("dispatch"):
        record_dispatch(results, scale, folder)
    if want("pg"):
        record_pg(results, scale)
    if want("web"):
        record_web(results, scale, folder)
    if want("capacity"):
        record_capacity(results, scale, folder)
    return results, sweep_run


def _lane_prefect(folder: Path, scale: dict, want) -> tuple[list, dict | None]:
    """The demo and the CLI on its database, then the naive baseline on the Prefect home the demo made."""
    results = []
    demo = measure_demo(folder, quick=scale["quick"]) if want("demo") or want("local") else None
    if want("demo"):
        record_demo(results, demo)
    if want("local"):
        record_local(results, folder, demo["db"], scale["quick"])
    return results, measure_naive(folder, scale["naive"]) if want("naive") else None


def _measure(folder: Path, scale: dict, want) -> list:
    """Full mode: one group at a time. Quick mode runs the two lanes at once (the Prefect lane is
    mostly server start-ups, the other mostly small databases): it proves the suite works in
    about half the time, and its figures, small and taken side by side, are not for reading."""
    if scale["quick"]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            prefect_lane = pool.submit(_lane_prefect, folder, scale, want)
            (results, sweep_run), (more, naive) = _lane_data(folder, scale, want), prefect_lane.result()
    else:
        results, sweep_run = _lane_data(folder, scale, want)
        more, naive = _lane_prefect(folder, scale, want)
    results += more
    if naive:
        record_naive(results, naive, sweep_run)
    order = [k for k, _ in OLD_ROWS]
    return sorted(results, key=lambda r: order.index(r["key"]))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes and fewer repeats, to prove the suite works (~60 s here)")
    parser.add_argument("--only", default="", help=f"comma-separated groups of {', '.join(GROUPS)}: measure these "
                        "alone and keep the other rows of bench/results.json (each row says when it was measured)")
    args = parser.parse_args()
    only = {g.strip() for g in args.only.split(",") if g.strip()}
    if only - set(GROUPS) or ("naive" in only and "sweep" not in only):
        parser.error(f"--only takes {', '.join(GROUPS)}; naive needs sweep (its baseline column is the sweep's)")

    def want(group: str) -> bool:
        return not only or group in only

    # quick: small sizes and fewer repeats, to prove the suite works (figures from it mean little)
    scale = dict(quick=True, councils=20, items=20_000, due=2_000, growth=(5_000, 10_000, 20_000), growth_due=500,
                 growth_rounds=2, growth_repeats=2, naive=100, web_seconds=3, dispatch=2_000, sweep_pairs=3) if args.quick else \
        dict(quick=False, councils=2_000, items=1_000_000, due=100_000, growth=(100_000, 300_000, 1_000_000),
             growth_due=10_000, growth_rounds=3, growth_repeats=3, naive=1_000, web_seconds=20, dispatch=20_000, sweep_pairs=3)  # the sizes
    folder = Path(tempfile.mkdtemp(prefix="cobuild-bench-"))
    try:
        results = _measure(folder, scale, want)
    finally:
        # the databases are ~1.5 GB at the sizes: a run leaves nothing behind in /tmp
        shutil.rmtree(folder, ignore_errors=True)
    if only:
        earlier = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
        for row in earlier:  # rows written before rows had keys: by the figure's first words
            row.setdefault("key", next((k for k, start in OLD_ROWS if row["figure"].startswith(start)), "?"))
        kept = [r for r in earlier if r["key"] not in {r["key"] for r in results}]
        order = [k for k, _ in OLD_ROWS]
        results = sorted(kept + results, key=lambda r: order.index(r["key"]) if r.get("key") in order else len(order))
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, args.quick)
    for row in results:
        print(f"{row['figure']}: {row['measured']} {row['unit']} (target {row['target']}; met: {row['met']})")


SWEEP_TARGET = "≥ 40,000/s and ≤ 1.5 × the floor, at 1M open / 100k due"


def sweep_parts(per_second: float, ratio: float) -> str:
    """The sweep figure has two targets; the row's `met` is both, this says which."""
    return (f"{ratio:.3f} × the floor ({'met' if ratio <= 1.5 else 'not met'}: ≤ 1.5 ×), {per_second:,.0f}/s "
            f"({'met' if per_second >= 40_000 else 'not met'}: ≥ 40,000/s)")


def pairs_note(sweep_run: dict) -> str:
    pairs = sweep_run["pairs"]
    return (f"the median of {len(pairs)} runs, each on a copy of its own and followed at once by its floor "
            f"(sweep / floor: {', '.join(f'{s:.2f}s / {f:.2f}s = {s / f:.2f} ×' for s, f in pairs)})")


def record_sweep(results: list, scale: dict, sweep_run: dict) -> None:
    peak_mb = sweep_run["peak_mb"]
    floor = sweep_run["floor"]  # measured right after the run (measure_sweep with pairs)
    ratio = sweep_run["seconds"] / floor["seconds"]
    other = measure_other_writes(sweep_run["url"])
    least = floor["seconds"] + other["insert"] + other["update"]
    sharing = measure_core_sharing(scale["quick"])
    results.append(result("sweep", f"sweep throughput ({scale['items']:,} open, {scale['due']:,} due, {scale['councils']} councils)",
                          "reminders/s", sweep_run["per_second"], SWEEP_TARGET, floor["seconds"],
                          ratio, sweep_run["per_second"] >= 40_000 and ratio <= 1.5,
                          f"{sweep_parts(sweep_run['per_second'], ratio)}; {pairs_note(sweep_run)}; floor = render {floor['render']:.2f}s + "
                          f"insert {floor['insert']:.2f}s of the same messages (the driver's executemany, one commit); "
                          f"the sweep's other writes alone, the same way: its {other['deliveries']:,} deliveries {other['insert']:.2f}s + "
                          f"{other['items']:,} items rescheduled {other['update']:.2f}s, so writing and rendering alone "
                          f"take {least / floor['seconds']:.2f} × the floor; the sweep shares its batches with a second "
                          f"process, which works out, renders and writes those it is handed (two cores), kept from the big tick before "
                          f"(each run follows another in the same process), as every big tick of a scheduler after its first finds it: "
                          f"CPU {sum(sweep_run['cpu']):.2f}s in all (the sweeper "
                          f"{sweep_run['cpu'][0]:.2f}s, its worker {sweep_run['cpu'][1]:.2f}s), so no faster than "
                          f"{sum(sweep_run['cpu']) / 2:.2f}s on two cores; a process's first big tick, which starts its worker "
                          f"within the tick and works alone until it is up, took {sweep_run['cold_seconds']:.2f}s = "
                          f"{sweep_run['cold_seconds'] / floor['seconds']:.2f} × the floor (CPU {sum(sweep_run['cold_cpu']):.2f}s, "
                          f"the worker's start-up included); with no worker (one core) it took {sweep_run['serial_seconds']:.2f}s = "
                          f"{sweep_run['serial_seconds'] / floor['seconds']:.2f} × the floor, and with no speed path at all "
                          f"(the collector at Python's thresholds too, as in `cobuild serve`) {sweep_run['plain_seconds']:.2f}s; "
                          f"the tick's write-ahead log is copied back into "
                          f"the database file after it, by a thread of the sweeping process, which the sweep does not wait for: "
                          f"that took {sweep_run['log_back']:.2f}s more (not counted, as the floor's is not); two CPU-bound processes "
                          f"together each run {sharing:.2f} × as long as one alone on this machine"))
    results.append(result("memory", f"sweep memory: peak RSS of the sweeping process ({scale['items']:,} open, {scale['due']:,} due)",
                          "MB", peak_mb, "< 400 MB at 1M", None, None, peak_mb < 400,
                          f"the sweeper's peak {sweep_run['sweeper_mb']:.0f} MB + its worker's "
                          f"{sweep_run['worker_mb']:.0f} MB; the sweep runs in a process of its own "
                          "(bench/sweep_child.py), so set-up is not counted"))


def record_reports(results: list, reports: dict) -> None:
    statuses = reports["mix"]["statuses"]
    results.append(result("reports", f"reports: per-unit scorecards + points for {reports['councils']:,} councils / "
                          f"{sum(statuses.values()):,} items, {reports['changes']:,} items changed since the last tick",
                          "s", reports["seconds"], "< 2 s for 2,000 councils / 1M",
                          reports["baseline"], reports["baseline"] / reports["seconds"] if reports["seconds"] else None,
                          reports["seconds"] < 2 if reports["councils"] >= 2_000 else None,
                          f"scorecards() for all councils from the kept cards, after {reports['changes']:,} item changes "
                          f"(a busy 5 minutes), median of 3 ({', '.join(f'{r:.2f}' for r in reports['runs'])} s; "
                          f"{reports['units']:,} unit rows); nothing changed {reports['unchanged']:.2f} s; a whole day's "
                          f"{reports['day_changes']:,} changes with no tick {reports['whole_day']:.2f} s; items "
                          f"{', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}; {reports['mix']['claims']:,} "
                          "claims; baseline: the first report, nothing kept (every unit counted from the items)"))


def record_demo(results: list, demo: dict) -> None:
    # the figure is the issue's: a fresh cobuild database, on a machine where Prefect has run
    # before; the very first run also creates Prefect's own database (the note says how long)
    results.append(result("demo", "demo wall time: `cobuild demo`, fresh database (Prefect's home in place)", "s",
                          demo["warm"], "< 30 s", None, None, demo["warm"] < 30,
                          "quick: one run, on a fresh PREFECT_HOME (Prefect's server creates its own database first)"
                          if demo.get("quick") else
                          f"first run on a fresh PREFECT_HOME {demo['cold']:.1f}s (Prefect's server creates its "
                          "own database first)"))
    cli = measure_cli(demo["db"], quick=bool(demo.get("quick")))
    results.append(result("cli", "CLI start-up: cobuild --help / council list", "s", max(cli["help"], cli["read"]), "< 0.5 s",
                          cli["prefect_help"], max(cli["help"], cli["read"]) / cli["prefect_help"],
                          max(cli["help"], cli["read"]) < 0.5,
                          f"--help {cli['help']:.2f}s, council list {cli['read']:.2f}s; baseline prefect --help; "
                          f"importing SQLAlchemy + SQLModel + the models alone {cli['import_models']:.2f}s, "
                          f"bare python {cli['python']:.2f}s"))


def record_naive(results: list, naive: dict, sweep_run: dict) -> None:
    ours = sweep_run["seconds"] / max(sweep_run["queued"], 1)
    speedup = naive["per_reminder"] / ours if naive.get("per_reminder") else None
    results.append(result("naive", f"naive baseline: one Prefect task per reminder ({naive['items']:,} items, {naive['queued']:,} reminders)",
                          "ms per reminder", naive["per_reminder"] * 1000 if naive.get("per_reminder") else None,
                          "ours ≥ 200× faster per reminder", ours * 1000, speedup, speedup is not None and speedup >= 200,
                          f"ours {ours * 1000:.3f} ms per reminder in the sweep above (baseline column)"
                          + (f"; that sweep's CPU time, {sum(sweep_run['cpu']):.2f}s for {sweep_run['queued']:,} reminders, "
                             f"split perfectly over two cores would give {speedup * sweep_run['seconds'] / (sum(sweep_run['cpu']) / 2):.0f} ×"
                             if speedup and sweep_run.get("cpu") else "")))


def record_dispatch(results: list, scale: dict, folder: Path) -> None:
    from bench import dispatch as dispatch_bench

    alone = dispatch_bench.send_alone(folder, scale["dispatch"])
    clean = dispatch_bench.run(folder, scale["dispatch"], 0)
    faults = dispatch_bench.run(folder, scale["dispatch"], 10)
    correct = all(r["delivered"] == scale["dispatch"] and r["twice"] == 0 for r in (clean, faults))
    results.append(result("dispatch", f"dispatch: {scale['dispatch']:,} messages to a webhook receiver (another process, loopback)",
                          "messages/s", clean["per_second"], "≥ 2,000/s; with 10 % transient failures all delivered, none twice",
                          alone["per_second"], clean["per_second"] / alone["per_second"],
                          clean["per_second"] >= 2000 and correct,
                          f"with 10 % failures: {faults['per_second']:.0f}/s, {faults['refused']} refused first attempts "
                          f"retried, delivered {faults['delivered']:,}, twice {faults['twice']}; clean run delivered "
                          f"{clean['delivered']:,}, twice {clean['twice']}; baseline: the same POSTs in the same batches of 500 "
                          "through the same channel, no database (messages/s); receiver: bench/receiver.py (asyncio)"))


def record_pg(results: list, scale: dict) -> None:
    from bench import pg_sweep

    try:
        pg = pg_sweep.measure(scale["councils"], scale["items"], scale["due"])
    except Exception as exc:  # noqa: BLE001 — no PostgreSQL here: say so in the table
        pg = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    if "error" in pg:
        results.append(result("pg", "Postgres sweep, 1 and 4 sweeper processes", "×", None, "4 sweepers ≥ 2.5 × one; zero duplicates",
                              None, None, None, f"not measured: {pg['error']}"))
    else:
        one, four = pg["one"], pg["four"]
        speedup = one["seconds"] / four["seconds"]
        clean = four["duplicates"] == 0 and four["items_reminded"] == one["items_reminded"] == scale["due"]
        results.append(result("pg", f"Postgres sweep ({scale['items']:,} open, {scale['due']:,} due): 4 sweeper processes vs 1",
                              "× faster", speedup, "4 sweepers ≥ 2.5 × one; zero duplicates", one["seconds"], speedup,
                              speedup >= 2.5 and clean,
                              f"one {one['seconds']:.2f}s ({one['per_second']:.0f}/s, CPU {one['cpu']:.2f}s), four "
                              f"{four['seconds']:.2f}s ({four['per_second']:.0f}/s); duplicates {four['duplicates']}, items "
                              f"reminded {four['items_reminded']:,} of {scale['due']:,}; {os.cpu_count()} cores"
                              + _pg_cores(one, four)))


def _pg_cores(one: dict, four: dict) -> str:
    """The machine's busy cores in each run (sweepers and PostgreSQL together): with one sweeper
    keeping b cores busy, no number of sweepers can go faster than cores / b."""
    if not one.get("busy_cores") or not four.get("busy_cores"):
        return ""
    cores = os.cpu_count() or 1
    return (f"; busy cores (sweepers + PostgreSQL, /proc/stat): one sweeper {one['busy_cores']:.2f}, four "
            f"{four['busy_cores']:.2f} of {cores}, so at most {cores / one['busy_cores']:.2f} × one on this machine; "
            f"machine CPU per reminder {1000 * one['machine_cpu'] / one['notifications']:.2f} ms with one, "
            f"{1000 * four['machine_cpu'] / four['notifications']:.2f} ms with four")


def record_web(results: list, scale: dict, folder: Path) -> None:
    from bench import web

    cores = os.cpu_count() or 1
    workers = 2 * cores
    warm = 1 if scale["quick"] else 2
    one = web.measure(folder, seconds=scale["web_seconds"], workers=1, contested=False, warm=warm)["load"]  # baseline: one process
    measured = web.measure(folder, seconds=scale["web_seconds"], workers=workers, warm=warm)
    # one worker a core: the kernel spreads connections, not requests, so with 50 keep-alive
    # clients one of two workers often holds 30+ of them and saturates while the other idles
    per_core = None if scale["quick"] else \
        web.measure(folder, seconds=scale["web_seconds"], workers=cores, contested=False)["load"]
    load, contested = measured["load"], measured["contested"]
    errors = sum(v for k, v in load["statuses"].items() if k.startswith("5") or k == "transport")
    results.append(result("web", f"web under load: 50 clients, 300 req/s offered ({load['rate']:.0f} served) for "
                          f"{scale['web_seconds']} s (claim / progress / list / item), separate process, SQLite, "
                          f"`cobuild serve --workers {workers}`", "ms p99", load["p99_ms"],
                          "p99 < 50 ms at 300 req/s, zero errors", one["p99_ms"], None,
                          load["p99_ms"] < 50 and errors == 0 and load["rate"] >= 290,
                          f"p50 {load['p50_ms']:.1f} ms, max {load['max_ms']:.0f} ms; p99 by kind (ms) "
                          f"{load['p99_ms_by_kind']}; answers {load['statuses']} "
                          "(409 = a repeated cooperating claim, refused as it should be); baseline: one web process, "
                          f"{one['rate']:.0f} req/s served, p50 {one['p50_ms']:.0f} ms; "
                          + (f"with `--workers {cores}` (one a core): {per_core['rate']:.0f} served, p50 "
                             f"{per_core['p50_ms']:.0f} ms, p99 {per_core['p99_ms']:.0f} ms; " if per_core else "")
                          + "the load generator's CPU "
                          f"{load['generator_cpu_ms_per_request']:.2f} ms a request"))
    statuses = contested["statuses"]
    results.append(result("contested", "contested claim: 50 simultaneous lead claims on one item over HTTP", "successes",
                          statuses.get("201", 0), "exactly 1 succeeds, 49 get 409, one audit event", None, None,
                          statuses == {"201": 1, "409": 49} and contested["audit_events"] == 1,
                          f"answers {statuses}; claim rows {contested['claims']}, audit events {contested['audit_events']}"))


def record_capacity(results: list, scale: dict, folder: Path) -> None:
    """Issue 34's figures, side by side in one run: item reads of one process against a hello-world
    endpoint, the mixed load on two cores, overload at three times capacity, the item page."""
    from bench import capacity, web

    seconds = 2 if scale["quick"] else 5
    run = capacity.measure(folder, seconds=seconds, overload_seconds=5 if scale["quick"] else 20)
    hello, item = run["hello"], run["item_capacity"]
    target = min(400, hello / 2)
    steps = "; ".join(f"{s['rate']}/s → {s['served']} served, p99 {s['p99_ms']} ms" for s in run["item_steps"])
    hello_steps = ", ".join(f"{s['rate']}/s p99 {s['p99_ms']} ms" for s in run["hello_steps"])
    results.append(result("capacity", "item reads of one `cobuild serve` process (the API item with its history, demo "
                          f"database, by token; 50 clients, {seconds} s a step) against a hello-world endpoint on the "
                          "same uvicorn", "reads/s", item, "≥ 400/s (or ≥ 0.5 × hello-world, whichever is lower) at "
                          "p99 < 50 ms", float(hello), item / hello if hello else None, item >= target,
                          f"the highest offered rate served in full at p99 < 50 ms, only 200s; steps: {steps}; "
                          f"hello-world (baseline column: the highest step tried, all served): {hello_steps}; "
                          "the server's CPU per request, each kind alone at 50/s: "
                          + ", ".join(f"{kind} {c['cpu_ms']} ms" for kind, c in run["cost"].items())))
    mixed = web.measure(folder, seconds=scale["web_seconds"], workers=2, contested=False,
                        warm=1 if scale["quick"] else 2)["load"]
    bad = {k: v for k, v in mixed["statuses"].items() if k.startswith("5") or k == "transport"}
    results.append(result("mixed", f"mixed load (claim / progress / list / item, 50 clients) at 300 req/s for "
                          f"{scale['web_seconds']} s on 2 cores: `cobuild serve --workers 2`, SQLite", "ms p99",
                          mixed["p99_ms"], "p99 < 50 ms, zero errors", None, None,
                          mixed["p99_ms"] < 50 and not bad and mixed["rate"] >= 290,
                          f"{mixed['rate']:.0f} req/s served, p50 {mixed['p50_ms']:.1f} ms, p95 {mixed['p95_ms']:.1f} ms; "
                          f"p99 by kind (ms) {mixed['p99_ms_by_kind']}; answers {mixed['statuses']} (409 = a repeated "
                          "cooperating claim, refused as it should be); the two server processes used "
                          f"{mixed['server_cores']} of the 2 cores, {mixed['server_cpu_ms_per_request']} ms of CPU a "
                          f"request (shared between them {' / '.join(f'{100 * s:.0f} %' for s in mixed['process_cpu_shares'])}), "
                          f"and the load generator {mixed['generator_cpu_ms_per_request']:.2f} ms a request; "
                          + _machine_note(mixed)))
    over = run["overload"]
    served = over["statuses"].get("200", 0) + over["statuses"].get("201", 0)
    refused = over["statuses"].get("503", 0)
    other = {k: v for k, v in over["statuses"].items() if k not in ("200", "201", "503")}
    p99, written, answer = over["p99_ms_by_status"], over["written"], over["p99_ms_sent_to_answer_by_status"]
    served_p99 = max(p99.get("200", 0.0), p99.get("201", 0.0))
    refusal_p99 = answer.get("503", 0.0)  # how long a refusal takes the server, from the moment it was sent
    whole = written["progress_rows"] == written["audit_events"] == written["answered_201"]
    results.append(result("overload", f"overload: item reads and progress reports (4:1) offered at 3 × capacity "
                          f"({over['offered']}/s) for {5 if scale['quick'] else 20} s from 300 connections, one "
                          "process, admission control at its defaults", "ms p99 (served)", served_p99,
                          "served p99 < 1 s; every other answer a 503 in < 50 ms; no other errors; nothing half-written",
                          None, None, served_p99 < 1000 and refusal_p99 < 50 and not other
                          and not over["errors"] and whole,
                          f"{served} served ({served / over['elapsed']:.0f}/s; p99 reads {p99.get('200', 0.0)} ms, "
                          f"writes {p99.get('201', 0.0)} ms, from when each was due to be sent), {refused} refused "
                          f"with 503 (p99 {refusal_p99} ms from when it was sent; {p99.get('503', 0.0)} ms from when it "
                          "was due, a connection's earlier waits included); "
                          f"other answers {other or 'none'}; transport errors {len(over['errors'])}; progress reports "
                          f"answered 201: {written['answered_201']}, rows written {written['progress_rows']}, their "
                          f"audit events {written['audit_events']}"))
    one, two = run["page_one"], run["page_two"]
    results.append(result("page", "the item page people open from a message (the council's liaisons and secretary "
                          "in turn, each signed in by cookie), 200 req/s "
                          f"for {2 * seconds} s, `cobuild serve --workers 2`", "ms p95", two["p95_ms"], "p95 < 100 ms",
                          one["p95_ms"], None, two["p95_ms"] < 100 and two["rate"] >= 195 and set(two["statuses"]) == {"200"},
                          f"{two['rate']:.0f} served, p50 {two['p50_ms']:.1f} ms, p99 {two['p99_ms']:.1f} ms, answers "
                          f"{two['statuses']}; baseline: one process, {one['rate']:.0f} served, p50 {one['p50_ms']:.0f} ms"))


def _machine_note(load: dict) -> str:
    """What the whole machine did during a load run, and whether its late answers came bunched
    (stalls) or spread out (queueing)."""
    whole, late = load["machine"], load["late_windows"]
    worst = ", ".join(f"{at:.1f} s: {ms:.0f} ms" for at, _n, ms in sorted(late, key=lambda w: -w[2])[:5])
    return (f"the whole machine meanwhile: {whole['busy']} cores busy, {whole['steal']} stolen by the host, some "
            f"task waiting for a core {100 * whole['cpu_waited']:.0f} % of the time; tenths of a second with an "
            f"answer later than 50 ms: {len(late)} of {load['windows']}" + (f" (latest: {worst})" if late else ""))


def record_local(results: list, folder: Path, demo_db: str, quick: bool) -> None:
    from bench.local_server import measure_local

    local = measure_local(folder, demo_db, quick)
    results.append(result("cycle", "`cobuild cycle` by hand on the demo database, the shared Prefect server up "
                          "(`cobuild serve` running)", "s (median)", local["shared"], "≤ 2 s", local["private"],
                          local["shared"] / local["private"], local["shared"] <= 2,
                          f"runs {', '.join(f'{t:.2f}' for t in local['shared_runs'])} s; baseline: no server up, the "
                          f"command starts and stops a private one: {', '.join(f'{t:.2f}' for t in local['private_runs'])} s"
                          f" (its server's database made before); `cobuild serve`'s shared server answered "
                          f"{local['server_up_after']:.1f} s after it started"))
    parts = "; ".join(f"{name} {mb:.0f} MB" for name, mb in local["parts"])
    results.append(result("serve_memory", "`cobuild serve` idle with its Prefect server: resident memory of both",
                          "MB", local["idle_mb"], "≤ 400 MB together", None, None, local["idle_mb"] <= 400,
                          f"{parts}; every process of its session (VmRSS), after its start-up runs"))


def write_markdown(results: list[dict], quick: bool) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    lines = ["# Benchmarks", "",
             "Produced by `python -m bench" + (" --quick" if quick else "") + f"` ({machine}).",
             "Reproduce: `pip install -e . && python -m bench` (full) or `python -m bench --quick`.",
             ("Quick mode: the figures below are measured at the sizes shown, smaller than the targets' (1M open "
              "items, 2,000 councils), with the Prefect groups (demo, CLI, naive) running alongside the others: "
              "they prove the suite works and are not for reading; `python -m bench` runs the targets' sizes, "
              "one group at a time." if quick else
              "Full mode: the targets' sizes (1M open items over 2,000 councils, 100,000 due)."), "",
             "Each row says when it was measured (`python -m bench --only GROUPS` re-measures some figures and "
             "keeps the others' rows); a ratio always compares two figures of the same run.", "",
             "| figure | target | measured | baseline | ratio | met | run | notes |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['figure']} | {r['target']} | {r['measured']} {r['unit']} | {r['baseline'] if r['baseline'] is not None else '-'} "
                     f"| {r['ratio'] if r['ratio'] is not None else '-'} | {r['met']} | {r.get('run', '2026-11-22 04:12 UTC')} | {r['note']} |")
    lines += ["", "## What limits it (profiled with pyinstrument)", ""]
    lines += [line for line in (ROOT / "bench" / "limits.md").read_text(encoding="utf-8").splitlines()
              if not line.startswith("<!--")]
    (ROOT / "docs" / "BENCHMARKS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
