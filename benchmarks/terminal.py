"""Time a real `npf` process in a pseudo-terminal: until its first screen is drawn, and until it is ready to search."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time

# Escape sequences (CSI, OSC, DCS/APC and two-byte ones), removed before looking for text on the screen.
_ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)")

# What the search screen draws first (the query box's placeholder), and what it shows once the library is open.
FIRST_PAINT = "Search: words"
READY = "documents ·"


def time_to_screen(
    cmd: list[str],
    markers: dict[str, str],
    timeout: float = 60.0,
    cols: int = 120,
    rows: int = 40,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """Start `cmd` on a fresh pseudo-terminal of cols x rows and return, per marker name, the seconds from start
    until the marker's text first appears in what the program wrote; then quit it with ctrl+q."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(env if env is not None else os.environ, TERM="xterm-256color", COLORTERM="truecolor")
    env.pop("NO_COLOR", None)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
    )
    os.close(slave)
    written, seen = b"", {}
    try:
        while len(seen) < len(markers) and time.perf_counter() - started < timeout and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                written += os.read(master, 1 << 16)
            except OSError:
                break
            text = _ESCAPES.sub(b"", written).decode("utf-8", errors="ignore")
            for name, marker in markers.items():
                if name not in seen and marker in text:
                    seen[name] = time.perf_counter() - started
    finally:
        try:
            os.write(master, b"\x11")  # ctrl+q
            proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        os.close(master)
    return seen
