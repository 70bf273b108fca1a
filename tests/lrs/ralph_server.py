#!/usr/bin/env python3
"""Run a real Ralph LRS (ralph-malph 5.1.0) on loopback for the xAPI tests.

Run it with the python of the venv made by `.ci/lrs-setup`:

    "$VENV/bin/python" tests/lrs/ralph_server.py --store DIR --username U --password P

It starts Ralph's FastAPI app (`ralph.api:app`, the app `ralph runserver` serves) in
this process with uvicorn, on 127.0.0.1, with the file-system ("fs") LRS backend storing
into DIR (created if missing) and HTTP Basic auth for one user. When the LRS answers an
authenticated GET /whoami, it prints exactly one line on stdout:

    READY <port>

and then runs until SIGTERM/SIGINT/SIGHUP, or until its stdin reaches end-of-file when stdin
is a pipe (so a test that spawns it with a piped stdin never leaves it behind, even when
the test process dies). Nothing else is ever written to stdout. Logs go to
DIR/.ralph/server.log unless --log-file says otherwise.

Layout of DIR after a run:
    DIR/fs_lrs.jsonl          the statements, one JSON object per line (Ralph's file)
    DIR/.ralph/auth.json      Ralph's Basic-auth credentials file (bcrypt hash)
    DIR/.ralph/history.json   Ralph's backend read/write history
    DIR/.ralph/server.log     uvicorn + ralph logs

Ralph 5.1.0's fs LRS backend opens its one file with "create" semantics, so any write
after the first one fails with HTTP 500. Unless --stock-fs is given, this script makes
the backend append instead (a one-line change of the write mode; every other part of the
LRS is Ralph's own code). See tests/lrs/README.md.

Exit codes: 0 after a clean shutdown (stdin end-of-file, SIGINT, SIGHUP; after SIGTERM the
process ends with the usual killed-by-SIGTERM status, 143), 2 for bad arguments or a busy
port, 3 if the LRS did not become ready within --ready-timeout seconds, 4 if ralph is not
importable.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import socket
import stat
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

RALPH_VERSION = "5.1.0"

# Keep the real stdout for the READY line only; anything else that prints goes to stderr.
_READY_OUT = sys.stdout
sys.stdout = sys.stderr


def fail(code: int, message: str) -> "None":
    print(f"ralph_server: ERROR: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Run Ralph LRS (fs backend) on loopback and print 'READY <port>'."
    )
    p.add_argument("--store", required=True, type=Path,
                   help="directory of the fs backend (created if missing)")
    p.add_argument("--username", required=True, help="HTTP Basic username")
    p.add_argument("--password", required=True, help="HTTP Basic password")
    p.add_argument("--port", type=int, default=0,
                   help="TCP port; 0 (default) lets the OS pick a free one")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--agent-mbox", default=None,
                   help="mbox of the user's authority agent (default mailto:<username>@example.com)")
    p.add_argument("--scope", action="append", default=None,
                   help="scope of the user (repeatable; default: all)")
    p.add_argument("--stock-fs", action="store_true",
                   help="keep Ralph 5.1.0's fs write mode (2nd write to the store -> 500)")
    p.add_argument("--log-file", default=None,
                   help="log destination; '-' for stderr (default DIR/.ralph/server.log)")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--ready-timeout", type=float, default=60.0,
                   help="seconds to wait for the LRS to answer (default 60)")
    p.add_argument("--ignore-stdin", action="store_true",
                   help="do not stop when a piped stdin reaches end-of-file")
    args = p.parse_args(argv)
    if not (0 <= args.port <= 65535):
        p.error("--port must be in 0..65535")
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        p.error("--host must be a loopback address")
    if ":" in args.username:
        p.error("--username must not contain ':' (HTTP Basic)")
    return args


def configure_environment(args: argparse.Namespace, store: Path, conf_dir: Path) -> None:
    """Set Ralph's settings through its RALPH_* environment variables.

    Ralph reads them once, at import time (ralph.conf.settings and the backend
    settings), so this must run before anything under `ralph` is imported.
    """
    for key in [k for k in os.environ if k.startswith("RALPH_")]:
        # A stray RALPH_LRS_RESTRICT_BY_* or RALPH_BACKENDS__* would change behaviour.
        del os.environ[key]
    os.environ.update({
        # Same setting `ralph runserver -b fs` writes into its env file.
        "RALPH_RUNSERVER_BACKEND": "fs",
        # FSLRSBackendSettings: env prefix RALPH_BACKENDS__LRS__FS__.
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(store),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE": "fs_lrs.jsonl",
        # Basic-auth credentials file (default would be ~/.config/ralph/auth.json).
        "RALPH_AUTH_FILE": str(conf_dir / "auth.json"),
        # History file written on every backend read/write (default ~/.config/ralph).
        "RALPH_HISTORY_FILE": str(conf_dir / "history.json"),
        "RALPH_APP_DIR": str(conf_dir),
        "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
        "RALPH_LRS_RESTRICT_BY_AUTHORITY": "false",
        "RALPH_LRS_RESTRICT_BY_SCOPES": "false",
    })
    # pydantic-settings also reads ./.env: run from a directory that has none.
    os.chdir(conf_dir)


def write_auth_file(args: argparse.Namespace, path: Path) -> None:
    """Write Ralph's auth.json for one user, as `ralph auth ... -w` would."""
    import bcrypt
    from ralph.api.auth.basic import ServerUsersCredentials, UserCredentials

    mbox = args.agent_mbox or f"mailto:{args.username}@example.com"
    user = UserCredentials(
        username=args.username,
        # Low bcrypt cost: throw-away test credentials, checked on the first request.
        hash=bcrypt.hashpw(args.password.encode("utf8"), bcrypt.gensalt(rounds=4)).decode(),
        scopes=args.scope or ["all"],
        agent={"mbox": mbox, "objectType": "Agent", "name": args.username},
    )
    users = ServerUsersCredentials.model_validate([user])
    path.write_text(users.model_dump_json(indent=2, exclude_none=True), encoding="utf8")


def patch_fs_backend_append() -> None:
    """Make Ralph's fs LRS backend append to its file instead of failing (500).

    In 5.1.0 FSLRSBackend.write() defaults to BaseOperationType.CREATE, which refuses
    to write when DIR/fs_lrs.jsonl exists, so only the first write to a store works.
    APPEND is one of the backend's own supported modes ("ab").
    """
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    original = FSLRSBackend.write

    def write(self, data, target=None, chunk_size=None, ignore_errors=False,
              operation_type=None):
        if operation_type is None:
            operation_type = BaseOperationType.APPEND
        return original(self, data, target, chunk_size, ignore_errors, operation_type)

    FSLRSBackend.write = write


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        fail(2, f"cannot bind {host}:{port}: {error}")
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def wait_ready(url: str, auth: str, timeout: float, server) -> bool:
    """Poll GET /whoami with the credentials until it answers 200."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"Authorization": auth})
    while time.monotonic() < deadline and not server.should_exit:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    json.load(response)
                    return True
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        time.sleep(0.1)
    return False


def stdin_is_pipe() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    store = args.store.expanduser().resolve()
    conf_dir = store / ".ralph"
    try:
        conf_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(2, f"cannot create {conf_dir}: {error}")
    configure_environment(args, store, conf_dir)

    try:
        import ralph
        import uvicorn
    except ImportError as error:
        fail(4, f"{error}: run with the python of the venv made by .ci/lrs-setup")
    version = getattr(ralph, "__version__", "?")
    if version != RALPH_VERSION:
        print(f"ralph_server: warning: ralph {version} (expected {RALPH_VERSION})",
              file=sys.stderr, flush=True)

    write_auth_file(args, conf_dir / "auth.json")
    if not args.stock_fs:
        patch_fs_backend_append()

    from ralph.api import app  # instantiates the fs backend (creates DIR if missing)
    from ralph.conf import settings

    log_config = json.loads(json.dumps(settings.LOGGING))
    if args.log_file != "-":
        log_path = Path(args.log_file) if args.log_file else conf_dir / "server.log"
        log_config["handlers"]["console"] = {
            "class": "logging.FileHandler",
            "level": "DEBUG",
            "filename": str(log_path.resolve()),
            "encoding": "utf8",
            "formatter": "ralph",
        }
    for logger in log_config["loggers"].values():
        if logger.get("level") in ("INFO", "DEBUG"):
            logger["level"] = args.log_level.upper()

    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=log_config, log_level=args.log_level,
                            lifespan="off", access_log=True)
    server = uvicorn.Server(config)

    auth = "Basic " + base64.b64encode(
        f"{args.username}:{args.password}".encode("utf8")).decode()
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    outcome = {"ready": False}

    def announce() -> None:
        if wait_ready(f"http://{url_host}:{port}/whoami", auth, args.ready_timeout, server):
            outcome["ready"] = True
            mode = "stock" if args.stock_fs else "append"
            print(f"ralph_server: ralph {version} fs store {store} (write mode: {mode}) "
                  f"on http://{url_host}:{port}/xAPI/statements", file=sys.stderr, flush=True)
            _READY_OUT.write(f"READY {port}\n")
            _READY_OUT.flush()
        elif not server.should_exit:
            print(f"ralph_server: ERROR: LRS not ready after {args.ready_timeout}s; "
                  f"see {args.log_file or conf_dir / 'server.log'}", file=sys.stderr, flush=True)
            server.should_exit = True

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(65536):
                pass
        except (OSError, ValueError):
            pass
        server.should_exit = True

    threading.Thread(target=announce, name="ready", daemon=True).start()
    if stdin_is_pipe() and not args.ignore_stdin:
        threading.Thread(target=watch_stdin, name="stdin", daemon=True).start()
    # SIGHUP (terminal gone) stops it too; uvicorn handles SIGINT/SIGTERM itself.
    signal.signal(signal.SIGHUP, lambda *_: setattr(server, "should_exit", True))

    server.run(sockets=[sock])
    return 0 if outcome["ready"] else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
