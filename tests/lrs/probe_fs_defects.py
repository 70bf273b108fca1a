#!/usr/bin/env python3
"""Reproduce the behaviour of Ralph 5.1.0's LRS API with the fs backend.

Starts tests/lrs/ralph_server.py twice on loopback (once with --stock-fs, once with the
default append mode), each on a fresh store, sends a fixed sequence of requests and
prints one line per request: the case, the HTTP status and the (shortened) body.
Exit code 0 when every observed status equals the expected one listed here, 1 otherwise.

    "$VENV/bin/python" tests/lrs/probe_fs_defects.py [--verbose]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import requests

sys.dont_write_bytecode = True  # keep tests/lrs free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import validate_statements  # noqa: E402

HERE = Path(__file__).resolve().parent
USER, PASSWORD = "probe", "probe-secret"
VERBOSE = "--verbose" in sys.argv
HEADERS = {"X-Experience-API-Version": "1.0.3"}
REG = str(uuid.UUID("6f1c8a0e-3b2d-4c5e-9f10-2a3b4c5d6e7f"))
ACTOR = {"objectType": "Agent",
         "account": {"homePage": "https://complaint-trainer.example", "name": "learner-1"}}
ACTIVITY = "https://complaint-trainer.example/scenarios/probe"
VERB_INIT = "http://adlnet.gov/expapi/verbs/initialized"
VERB_TERM = "http://adlnet.gov/expapi/verbs/terminated"


def statement(verb: str, minute: int, sid: str | None = None) -> dict:
    s = {
        "actor": ACTOR,
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": ACTIVITY},
        "context": {"registration": REG},
        "timestamp": f"2025-01-01T10:{minute:02d}:00.000Z",
    }
    if sid:
        s["id"] = sid
    return s


def start(store: Path, stock: bool) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, str(HERE / "ralph_server.py"), "--store", str(store),
           "--username", USER, "--password", PASSWORD]
    if stock:
        cmd.append("--stock-fs")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}; see {store}/.ralph/server.log")
    return proc, f"http://127.0.0.1:{line.split()[1]}"


def stop(proc: subprocess.Popen) -> None:
    proc.stdin.close()  # EOF on a piped stdin stops the server
    proc.wait(timeout=20)


class Probe:
    def __init__(self, base: str, label: str):
        self.base, self.label, self.failures = base, label, 0

    def req(self, case: str, expect: int, method: str, path: str, auth=True, **kw):
        kw.setdefault("headers", HEADERS)
        r = requests.request(method, self.base + path,
                             auth=(USER, PASSWORD) if auth is True else auth, timeout=30, **kw)
        body = r.text
        ok = r.status_code == expect
        self.failures += not ok
        shown = body if VERBOSE or len(body) <= 160 else body[:157] + "..."
        print(f"[{self.label}] {'ok ' if ok else 'BAD'} {case:58} -> {r.status_code}"
              f"{'' if ok else f' (expected {expect})'}  {shown}")
        return r

    def count(self, case: str, path: str, expect_n: int):
        r = self.req(case, 200, "GET", path)
        n = len(r.json().get("statements", [])) if r.status_code == 200 else -1
        ok = n == expect_n
        self.failures += not ok
        print(f"[{self.label}] {'ok ' if ok else 'BAD'}   -> {n} statement(s)"
              f"{'' if ok else f' (expected {expect_n})'}")
        return r


def run(stock: bool) -> int:
    label = "stock " if stock else "append"
    with tempfile.TemporaryDirectory(prefix="ralph-probe-") as tmp:
        proc, base = start(Path(tmp) / "store", stock)
        p = Probe(base, label)
        try:
            a, b, c, d = (str(uuid.uuid4()) for _ in range(4))
            p.req("GET /__heartbeat__ (no auth)", 200, "GET", "/__heartbeat__", auth=None)
            p.req("GET /whoami without credentials", 401, "GET", "/whoami", auth=None)
            p.req("GET /whoami wrong password", 401, "GET", "/whoami", auth=(USER, "nope"))
            p.count("GET /xAPI/statements on an empty store", "/xAPI/statements", 0)
            p.req("POST 2 statements (1st write to the store)", 200, "POST",
                  "/xAPI/statements", json=[statement(VERB_INIT, 1, a), statement(VERB_TERM, 2, b)])
            p.req("POST 1 new statement (2nd write)", 500 if stock else 200, "POST",
                  "/xAPI/statements", json=[statement(VERB_INIT, 3, c)])
            p.req("PUT ?statementId=<new id> (2nd write)", 500 if stock else 204, "PUT",
                  f"/xAPI/statements?statementId={d}", json=statement(VERB_TERM, 4, d))
            p.req("POST same statement again (identical, same id)", 204, "POST",
                  "/xAPI/statements", json=statement(VERB_INIT, 1, a))
            p.req("POST existing id, different content", 409, "POST",
                  "/xAPI/statements", json=statement(VERB_INIT, 9, a))
            p.req("PUT existing id, identical", 204, "PUT",
                  f"/xAPI/statements?statementId={a}", json=statement(VERB_INIT, 1, a))
            p.req("PUT existing id, different content", 409, "PUT",
                  f"/xAPI/statements?statementId={a}", json=statement(VERB_INIT, 9, a))
            e = str(uuid.uuid4())
            r = p.req("POST 1 existing (identical) + 1 new statement", 500 if stock else 200,
                      "POST", "/xAPI/statements",
                      json=[statement(VERB_INIT, 1, a), statement(VERB_INIT, 5, e)])
            if r.status_code == 200:
                print(f"[{label}]       answered ids: {len(r.json())} (only the new one: "
                      f"{r.json() == [e]})")
            p.req("POST duplicate ids inside one batch", 400, "POST", "/xAPI/statements",
                  json=[statement(VERB_INIT, 5, c), statement(VERB_INIT, 5, c)])
            p.req("POST statement without verb", 422, "POST", "/xAPI/statements",
                  json={k: v for k, v in statement(VERB_INIT, 5).items() if k != "verb"})
            p.req("POST empty list", 400, "POST", "/xAPI/statements", json=[])
            p.req("POST with unknown query parameter", 400, "POST",
                  "/xAPI/statements?foo=1", json=statement(VERB_INIT, 5))
            n = 2 if stock else 5
            p.count("GET /xAPI/statements (all)", "/xAPI/statements", n)
            r = p.count(f"GET ?statementId={a[:8]}...", f"/xAPI/statements?statementId={a}", 1)
            if r.status_code == 200 and "statements" in r.json():
                print(f"[{label}]       note: ?statementId answers a StatementResult "
                      f"{{\"statements\": [...]}}, not a bare Statement")
            p.count("GET ?statementId=<unknown>", f"/xAPI/statements?statementId={uuid.uuid4()}", 0)
            p.count("GET ?registration=<uuid as stored>", f"/xAPI/statements?registration={REG}", n)
            p.count("GET ?registration=<same uuid, upper case>",
                    f"/xAPI/statements?registration={REG.upper()}", 0)
            p.count("GET ?verb=<initialized> (defect: never matches)",
                    f"/xAPI/statements?verb={VERB_INIT}", 0)
            p.count("GET ?activity=<object id> (defect: never matches)",
                    f"/xAPI/statements?activity={ACTIVITY}", 0)
            p.count("GET ?agent=<account agent>",
                    "/xAPI/statements?agent=" + requests.utils.quote(json.dumps(ACTOR)), n)
            p.count("GET ?since=2025-01-01T10:01:30Z", "/xAPI/statements?since=2025-01-01T10:01:30Z",
                    1 if stock else 4)
            p.req("GET ?since=2025-01-01T10:01:30 (no timezone)", 500, "GET",
                  "/xAPI/statements?since=2025-01-01T10:01:30")
            r = p.count("GET ?limit=1", "/xAPI/statements?limit=1", 1)
            if r.status_code == 200:
                more = r.json().get("more")
                print(f"[{label}]       more = {more!r}")
                r2 = p.count("GET <more> (next page)", more, 1)
                if r2.status_code == 200:
                    print(f"[{label}]       next page starts at "
                          f"{r2.json()['statements'][0]['timestamp'][11:16]}")
            r = p.count("GET ?ascending=true", "/xAPI/statements?ascending=true", n)
            if r.status_code == 200:
                print(f"[{label}]       order (ascending=true): "
                      f"{[s['timestamp'][11:16] for s in r.json()['statements']]}")
            r = p.count("GET (default order)", "/xAPI/statements", n)
            if r.status_code == 200:
                print(f"[{label}]       order (default): "
                      f"{[s['timestamp'][11:16] for s in r.json()['statements']]}")
                print(f"[{label}]       stored statement keys: {sorted(r.json()['statements'][0])}")
                print(f"[{label}]       response X-Experience-API-Version header: "
                      f"{r.headers.get('X-Experience-API-Version')!r}")
            p.req("POST ?partialSuccess=true, 2 new statements", 400 if stock else 200, "POST",
                  "/xAPI/statements?partialSuccess=true",
                  json=[statement(VERB_INIT, 6), statement(VERB_TERM, 7)])
            if not stock:
                sample = json.loads((HERE / "sample_statements.json").read_text(encoding="utf8"))
                reg = sample[0]["context"]["registration"]
                r = p.req("POST sample_statements.json (6 statements)", 200, "POST",
                          "/xAPI/statements", json=sample)
                p.req("POST sample_statements.json again (same ids)", 204, "POST",
                      "/xAPI/statements", json=sample)
                r = p.count("GET ?registration=<sample attempt>",
                            f"/xAPI/statements?registration={reg}", 5)
                stored = r.json()["statements"] if r.status_code == 200 else []
                lines, _ = validate_statements.validate(stored)
                ok = not lines
                p.failures += not ok
                print(f"[{label}] {'ok ' if ok else 'BAD'} statements read back pass "
                      f"validate_statements.py{'' if ok else ': ' + '; '.join(lines)}")
        finally:
            stop(proc)
        lines = (Path(tmp) / "store" / "fs_lrs.jsonl").read_text().splitlines()
        print(f"[{label}] fs_lrs.jsonl holds {len(lines)} line(s); server exit code {proc.returncode}")
        return p.failures


def main() -> int:
    failures = run(stock=True) + run(stock=False)
    print(f"{'all statuses as expected' if not failures else f'{failures} unexpected result(s)'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
