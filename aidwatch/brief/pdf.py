"""Print the brief's HTML to PDF with a headless Chromium (the same page, the same content)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import AidWatchError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-extensions", "--no-pdf-header-footer",
         "--run-all-compositor-stages-before-draw")


def find_chromium() -> str | None:
    """The Chromium to print with: $AIDWATCH_CHROMIUM, else the first one on PATH."""
    explicit = os.environ.get("AIDWATCH_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_timeout() -> float:
    """Seconds Chromium may take to print: ``$AIDWATCH_PDF_TIMEOUT`` (default 90)."""
    try:
        value = float(os.environ.get("AIDWATCH_PDF_TIMEOUT", "90"))
    except ValueError:
        return 90.0
    return value if value > 0 else 90.0


def html_to_pdf(html: Path, pdf: Path, chromium: str, timeout: float | None = None) -> Path:
    """Render ``html`` to ``pdf``; raise AidWatchError with Chromium's last words on failure.

    Chromium runs in a process group of its own; after a timeout (and after it exits) the
    whole group is ended, so no renderer or crash-handler child is left running. Messages
    name ``pdf.name`` (brief.pdf), never the staging paths.
    """
    timeout = pdf_timeout() if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="aidwatch-chromium-") as profile, \
            tempfile.TemporaryFile() as stderr:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
               html.resolve().as_uri()]
        try:
            # Output goes to a file, not a pipe: a child that inherits a pipe would keep
            # communicate() waiting after Chromium itself has gone.
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=stderr, env={**os.environ, "HOME": profile},
                                    start_new_session=True)
        except OSError as exc:
            raise AidWatchError(f"cannot run {chromium}: {exc.strerror}",
                                "set AIDWATCH_CHROMIUM to a Chromium binary") from None
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(proc)
            raise AidWatchError(f"Chromium did not finish printing {pdf.name} in "
                                f"{timeout:g} s; it was stopped",
                                "pass --format html to skip the PDF, or raise "
                                "AIDWATCH_PDF_TIMEOUT") from None
        except BaseException:  # Ctrl-C while printing: no Chromium left behind
            _end_group(proc)
            raise
        _end_group(proc)
        stderr.seek(0)
        last_words = stderr.read()[-4000:].decode("utf-8", "replace")
    if returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        last = (last_words.strip().splitlines() or ["no output"])[-1]
        raise AidWatchError(f"Chromium could not print {pdf.name}: {last}",
                            "pass --format html to skip the PDF")
    return pdf


def _end_group(proc: subprocess.Popen) -> None:
    """End every process of Chromium's group: TERM, a short grace, then KILL."""
    pgid = proc.pid  # start_new_session: the group id is the leader's pid
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is None:
                time.sleep(0.05)
                continue
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)
    if proc.poll() is None:
        proc.wait(timeout=5)
