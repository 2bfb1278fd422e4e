"""Finding and ending a session's servers and kernels, and measuring their memory (from /proc)."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from ..settings import GROUP_DIR_ENV
from ..settings import GROUP_SESSION_ENV as SESSION_ENV


def _proc_ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def kernel_pids(server_pid: int) -> list[int]:
    """Kernel processes started by a server (Linux: read from /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if _proc_ppid(int(entry.name)) == server_pid and b"ipykernel" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def session_processes(session_id: str = "", folder: Path | None = None) -> list[int]:
    """Every process of a group session (servers and kernels), found by the marks in its environment.

    ``session_id``: that session only; ``folder``: any session of that group folder.
    Only this user's processes can be read, and this process is never listed.
    """
    marks = []
    if session_id:
        marks.append(f"{SESSION_ENV}={session_id}".encode())
    if folder is not None:
        marks.append(f"{GROUP_DIR_ENV}={folder}".encode())
    if not marks:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if all(mark in env for mark in marks) and any(v.startswith(f"{SESSION_ENV}=".encode()) for v in env):
            found.append(pid)
    return found


def end_processes(pids: list[int], grace: float = 5.0, hurry=None) -> None:
    """SIGTERM, then after ``grace`` seconds (or at once if ``hurry.is_set()``) SIGKILL; waits until they are gone.

    ``hurry``: the session's second-Ctrl+C flag, or anything with ``is_set()``."""
    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        try:  # a zombie is gone for our purposes (its parent will collect it)
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline and not (hurry and hurry.is_set()):
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc); 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0
