"""Wait until a tacepath server answers ``/`` and ``/api/health`` (database included).

Used by CI after starting ``tacepath serve --demo`` from a fresh virtualenv. Exits 0 when both
answer 200 and the health check says the database answered; exits 1, printing the end of the
server's log, when the server dies or the time runs out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return int(r.status), bytes(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _fail(message: str, log: Path | None) -> int:
    print(f"error: {message}", file=sys.stderr)
    if log is not None and log.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
        print("\n".join(tail), file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="http://127.0.0.1:PORT")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--server-pid", type=int, default=0)
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args()
    started = time.monotonic()
    while time.monotonic() - started < args.timeout:
        if args.server_pid and not _alive(args.server_pid):
            return _fail("the server stopped before answering", args.log)
        status, body = _get(f"{args.base}/api/health")
        if status == 200:
            health = json.loads(body)
            if health.get("status") != "ok":
                return _fail(f"/api/health answered {health}", args.log)
            page, _ = _get(f"{args.base}/")
            if page != 200:
                return _fail(f"/ answered {page}", args.log)
            took = time.monotonic() - started
            print(f"server answered / and /api/health ({health}) after {took:.1f} s")
            return 0
        if status not in (0, 503):
            return _fail(f"/api/health answered {status}", args.log)
        time.sleep(1.0)
    return _fail(f"no answer within {args.timeout:.0f} s", args.log)


if __name__ == "__main__":
    sys.exit(main())
