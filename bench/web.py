"""Web figures: requests under load from another process, and a contested claim, against a
real `cobuild serve --no-scheduler` process on loopback with SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.support.server import Server, free_port  # noqa: F401 — Server: the bench starts it too

ROOT = Path(__file__).resolve().parent.parent



def build(url: str, items_per_conference: int = 3) -> dict:
    """A council through the use cases (as in the tests' World): accounts and tokens for each
    unit's liaison, published items led by the power station, and one item without a lead."""
    sys.path.insert(0, str(ROOT))
    from cobuild.actions.accounts import create_account, issue_token, link_member
    from cobuild.platform.db import session_for, upgrade
    from tests.integration.conftest import World

    upgrade(url)
    with session_for(url) as session:
        world = World(session)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        tokens = {}
        for key in ("power", "hospital", "company", "school"):
            account = create_account(session, login=f"{key}-liaison", password="bench-password", now=now)
            link_member(session, world.council, world.liaisons[key], account, by=None, now=now)
            # issued now: a token expires (180 days), and the server's clock is the real one
            tokens[key] = issue_token(session, account, "bench", now=datetime.now(UTC))[0]
        world.open_window()
        led = [world.submit(unit, title=f"{unit} 事项 {n}") for unit in ("company", "hospital", "school", "community")
               for n in range(items_per_conference)]
        open_item = led.pop()
        world.hold()
        for item in led:
            world.accept(item, lead="power")
        world.accept(open_item, lead=None)
        world.publish()
        return {"council": world.council.id, "tokens": tokens, "led": [i.id for i in led], "open": open_item.id}


def mix(data: dict) -> list[list]:
    """The mixed load on a world of `build`: for each led item, the in-progress list, a progress
    report by the lead unit, a cooperating claim (refused 409 after the first) and the item read;
    each [method, path, body, token, kind]. bench/web_instructions.py counts the same requests."""
    c, power, hospital = data["council"], data["tokens"]["power"], data["tokens"]["hospital"]
    requests = []
    for item in data["led"]:
        requests += [
            ["GET", f"/api/v1/councils/{c}/items?status=in_progress", None, hospital, "list"],
            ["POST", f"/api/v1/councils/{c}/items/{item}/progress", {"note": "巡查进展", "percent": 50}, power,
             "progress"],
            ["POST", f"/api/v1/councils/{c}/items/{item}/claims", {"role": "cooperating"}, hospital, "claim"],
            ["GET", f"/api/v1/councils/{c}/items/{item}", None, hospital, "item"],
        ]
    return requests


def process_cpu(servers: list[Server]) -> dict[int, float]:
    """CPU seconds (user and system) so far of each process of the servers — the parent and its
    workers (Linux)."""
    def tree(pid: int) -> list[int]:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return [pid]
        return [pid] + [p for child in children for p in tree(int(child))]

    tick = os.sysconf("SC_CLK_TCK")
    spent = {}
    for server in servers:
        for pid in tree(server.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            spent[pid] = (int(fields[11]) + int(fields[12])) / tick
    return spent


def server_cpu(servers: list[Server]) -> float:
    """CPU seconds (user and system) of the servers' processes and their workers, so far (Linux)."""
    return sum(process_cpu(servers).values())


def machine() -> dict[str, float]:
    """The whole machine's counters so far (Linux): CPU seconds busy, stolen by the hypervisor and
    idle over all cores, and seconds some task waited for a core (pressure stall information;
    0 where the kernel has none)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    try:
        waited = int(Path("/proc/pressure/cpu").read_text().split("\n", 1)[0].rsplit("=", 1)[1]) / 1e6
    except (OSError, ValueError, IndexError):
        waited = 0.0
    return {"busy": (user + nice + system + irq + softirq) / tick, "steal": steal / tick,
            "idle": (idle + iowait) / tick, "cpu_waited": waited}


def _generator(plan: dict, folder: Path) -> dict:
    path = folder / f"plan-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "bench.load", str(path)], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def measure(folder: Path, seconds: float = 10, rate: int = 300, clients: int = 50, workers: int = 1,
            servers: int = 1, contested: bool = True, warm: float = 2) -> dict:
    """`servers` processes of `cobuild serve --workers {workers}` on one database; the load
    generator splits its clients evenly between them. Each server is warmed first (`warm` s at 50
    requests/s, not counted): the first request of each kind compiles its SQL and imports its
    views, ~100-300 ms once per process, which would otherwise be the p99 of a short run."""
    url = f"sqlite:///{folder}/web-{workers}-{servers}-{rate}-{time.monotonic_ns()}.db"  # each run its own
    data = build(url)
    started = [Server(url, workers) for _ in range(servers)]
    try:
        c = data["council"]
        requests = mix(data)
        bases = [s.base for s in started]
        _generator({"bases": bases, "clients": clients, "rate": 50, "seconds": warm, "requests": requests}, folder)
        before, whole = process_cpu(started), machine()
        load = _generator({"bases": bases, "clients": clients, "rate": rate, "seconds": seconds,
                           "requests": requests}, folder)
        spent = {pid: used - before.get(pid, 0.0) for pid, used in process_cpu(started).items()}
        # the whole machine meanwhile (the load generator, the OS, anything else running): cores
        # busy and stolen, and the share of the time some task was ready but waited for a core
        load["machine"] = {key: round((used - whole[key]) / max(load["elapsed"], 1e-9), 2)
                           for key, used in machine().items()}
        cpu = sum(spent.values())
        # each process's share of that CPU, largest first: the kernel spreads the clients' keep-alive
        # connections over the workers by a hash, so one worker may carry more of the load
        load["process_cpu_shares"] = sorted((round(used / max(cpu, 1e-9), 2) for used in spent.values()
                                             if used > 0.01 * cpu), reverse=True)
        # what the servers' processes spent, in cores and a request: against the two cores of the
        # machine (which the load generator shares), how near the mix is to what the machine can do
        load.update(server_cores=round(cpu / max(load["elapsed"], 1e-9), 2),
                    server_cpu_ms_per_request=round(1000 * cpu / max(load["requests"], 1), 2))
        if not contested:
            return {"load": load}
        fight = _generator({"mode": "contested", "base": bases[0], "n": 50,
                            "request": ["POST", f"/api/v1/councils/{c}/items/{data['open']}/claims",
                                        {"role": "lead"}, data["tokens"]["power"]]}, folder)
    finally:
        for server in started:
            server.close()
    from sqlmodel import select

    from cobuild.models import AuditEvent, Claim
    from cobuild.platform.db import session_for

    with session_for(url) as session:
        claims = session.exec(select(Claim).where(Claim.item_id == data["open"])).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "claim.lead",
                                                       AuditEvent.subject_id.in_([c.id for c in claims] or [-1]))).all()
    fight.update(claims=len(claims), audit_events=len(events))
    return {"load": load, "contested": fight}


if __name__ == "__main__":
    import tempfile

    print(json.dumps(measure(Path(tempfile.mkdtemp()), seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 5,
                             workers=int(sys.argv[2]) if len(sys.argv) > 2 else 1), ensure_ascii=False, indent=1))
