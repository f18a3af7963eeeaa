"""Print the brief's HTML to PDF with a headless Chromium (the same page, the same content)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def html_to_pdf(html: Path, pdf: Path, chromium: str, timeout: float = 90) -> Path:
    """Render ``html`` to ``pdf``; raise AidWatchError with Chromium's last words on failure."""
    with tempfile.TemporaryDirectory(prefix="aidwatch-chromium-") as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}",
               html.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            raise AidWatchError(f"Chromium did not finish printing {html.name} in "
                                f"{timeout:.0f} s", "pass --format html to skip the PDF") from None
        except OSError as exc:
            raise AidWatchError(f"cannot run {chromium}: {exc.strerror}",
                                "set AIDWATCH_CHROMIUM to a Chromium binary") from None
    if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise AidWatchError(f"Chromium could not print the PDF: {last}",
                            "pass --format html to skip the PDF")
    return pdf
