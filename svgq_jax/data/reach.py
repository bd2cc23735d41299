"""Reaching a Ray cluster within a bounded time, or saying in one line that it cannot be reached.

`ray.init` waits a long time for a head that does not answer (over a minute for a closed port, without end for a
host that accepts a connection and says nothing). So `--cluster ray:HOST:PORT` first opens a TCP connection to
the head (the name resolved and the connection made within the time limit: a closed port or an unknown host is
refused at once), then `ray.init` runs in a thread of its own and is given what is left of the time limit
(`--cluster-timeout`, default 30 s). A connection that does not complete in time is one line and exit 2; the thread
left waiting is a daemon and ends with the command.
"""

from __future__ import annotations

import socket
import threading
import time

from svgq_jax.core.errors import InputError

DEFAULT_TIMEOUT = 30.0  # seconds to reach a cluster (--cluster-timeout)
RAY_PORT = 6379  # the head's port when an address names none


def within(seconds: float, what: str, fn, *args):
    """fn(*args) run in a daemon thread; its result, its exception, or TimeoutError naming `what` after `seconds`."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    thread = threading.Thread(target=run, name=f"svgq {what}", daemon=True)
    thread.start()
    thread.join(max(0.0, seconds))
    if thread.is_alive():
        raise TimeoutError(what)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def host_port(address: str) -> tuple[str, int] | None:
    """('HOST', PORT) of 'HOST[:PORT]' or '[V6]:PORT'; None for 'auto' (the cluster this machine is a node of)."""
    if address == "auto":
        return None
    if address.startswith("["):  # [IPv6]:PORT
        host, _, port = address[1:].partition("]")
        port = port.removeprefix(":")
    elif address.count(":") == 1:
        host, _, port = address.partition(":")
    else:  # a name, an IPv4 address or a bare IPv6 address: the default port
        host, port = address, ""
    port = port or str(RAY_PORT)
    if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--cluster ray:{address}: expected ray:HOST:PORT with PORT from 1 to 65535")
    return host, int(port)


def probe(address: str, seconds: float) -> None:
    """InputError unless a TCP connection to the head at `address` opens within `seconds`."""
    target = host_port(address)
    if target is None:
        return
    try:
        within(seconds, "connect", lambda: socket.create_connection(target, timeout=seconds).close())
    except TimeoutError:
        raise _unreachable(address, f"no answer within {seconds:g} s", seconds) from None
    except OSError as e:
        reason = e.strerror or str(e) or type(e).__name__
        raise _unreachable(address, reason, seconds) from None


def connect(ray, address: str, seconds: float, started: float, **init) -> None:
    """`ray.init(address=address, **init)` within `seconds` counted from `started` (`time.monotonic()`, before the
    probe), or InputError."""
    left = seconds - (time.monotonic() - started)
    try:
        within(left, "ray.init", lambda: ray.init(address=address, **init))
    except TimeoutError:
        raise _unreachable(address, f"Ray did not answer within {seconds:g} s", seconds) from None
    except (ConnectionError, ValueError, RuntimeError) as e:
        raise InputError(f"cannot connect to the Ray cluster at {address} ({str(e).splitlines()[0]})") from None


def _unreachable(address: str, reason: str, seconds: float) -> InputError:
    return InputError(
        f"cannot reach the Ray cluster at {address} ({reason}); check the address, or give it longer with "
        f"--cluster-timeout (now {seconds:g} s)"
    )
