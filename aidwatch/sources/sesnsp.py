"""SESNSP (Mexico): monthly victims of intentional homicide and femicide, by state.

SESNSP publishes the "Víctimas, fuero común, nivel estatal" CSV monthly under a new file name
each release, behind a bot-protected landing page, so the file cannot be discovered by a plain
HTTP client. Point the connector at it with ``AIDWATCH_SESNSP_FILE``: a file name under the
base URL (default: the open-data mirror ``repodatos.atdt.gob.mx``; override with
``AIDWATCH_SESNSP_BASE_URL``), a full ``https://`` URL, or a path to a downloaded copy.

The file is wide (one column per Spanish month name; months not yet reported are empty, not
zero), Windows-1252/Latin-1 in historical releases and UTF-8 with BOM since 2026: the
encoding is detected per file and the header must match the documented names.
Licence: Mexican government open data (CC BY 4.0 / Libre Uso MX).
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date
from pathlib import Path

from .base import Batch, Connector, fmt, number, read_csv
from .http import Fetched, HttpClient, MissingKey, SourceError

SOURCE_ID = "sesnsp-victimas-estatal-live"
MONTHS = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
          "Septiembre", "Octubre", "Noviembre", "Diciembre")
REQUIRED = ("Año", "Clave_Ent", "Entidad", "Tipo de delito", "Subtipo de delito", "Sexo",
            "Rango de edad", *MONTHS)
# (Tipo, Subtipo) -> (panel series, national series)
MEASURES = {
    ("Homicidio", "Homicidio doloso"): ("mx.homicide_victims.by_state_month",
                                        "mx.homicide_victims.sesnsp.monthly"),
    ("Feminicidio", "Feminicidio"): ("mx.femicide_victims.by_state_month",
                                     "mx.femicide_victims.sesnsp.monthly"),
}


def decode_sesnsp(source: str, content: bytes) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1252 (historical releases)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SourceError(source, f"neither UTF-8 nor Windows-1252 (byte 0x"
                          f"{content[exc.start]:02x} at offset {exc.start})") from None


def parse_rows(source: str, rows: list[dict[str, str]]) -> list[dict]:
    """Observations: victims summed over modality, sex and age, by state and nationally."""
    by_state: dict[tuple[str, str, str], float] = {}
    for r in rows:
        key = (r["Tipo de delito"].strip(), r["Subtipo de delito"].strip())
        if key not in MEASURES:
            continue
        panel, _ = MEASURES[key]
        try:
            year, ent = int(r["Año"]), int(r["Clave_Ent"])
        except ValueError:
            raise SourceError(source, f"bad year/state {r['Año']!r}/{r['Clave_Ent']!r}") from None
        if not 1 <= ent <= 32:
            raise SourceError(source, f"state code {ent} is not 1-32")
        for i, month in enumerate(MONTHS, start=1):
            value = number(source, r[month], f"{r['Entidad']} {year} {month}")
            if value is None:
                continue  # not yet reported
            k = (panel, f"MX-{ent:02d}", f"{year:04d}-{i:02d}")
            by_state[k] = by_state.get(k, 0.0) + value
    out = []
    national: dict[tuple[str, str], float] = {}
    to_national = {panel: nat for panel, nat in MEASURES.values()}
    note = "sum over means, sex and age group of the published rows"
    for (panel, geo, period), value in sorted(by_state.items()):
        out.append({"series_id": panel, "geo": geo, "period": period, "value": fmt(value),
                    "status": "final", "source_id": SOURCE_ID, "note": note})
        nk = (to_national[panel], period)
        national[nk] = national.get(nk, 0.0) + value
    for (sid, period), value in sorted(national.items()):
        out.append({"series_id": sid, "geo": "MX", "period": period, "value": fmt(value),
                    "status": "final", "source_id": SOURCE_ID,
                    "note": note + " and states"})
    return out


def check_layout(source: str, text: str) -> None:
    """Refuse the other SESNSP files (crimes instead of victims; municipal level) by name."""
    header = text.split("\n", 1)[0]
    if "Cve. Municipio" in header or "Municipio" in header.split(","):
        raise SourceError(source, "this is a municipal file; municipal and state files are not "
                          "comparable (not every municipality reports): point "
                          "AIDWATCH_SESNSP_FILE at the state-level victims file")
    if "Modalidad" in header and "Sexo" not in header:
        raise SourceError(source, "this is a crimes (carpetas) file, not the victims file: "
                          "point AIDWATCH_SESNSP_FILE at the state-level victims file")


def unzip_csv(source: str, content: bytes) -> bytes:
    """The single CSV inside a ZIP release (or the bytes unchanged if not a ZIP)."""
    if not content.startswith(b"PK"):
        return content
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise SourceError(source, f"expected one CSV in the ZIP, found {names}")
            return zf.read(names[0])
    except zipfile.BadZipFile:
        raise SourceError(source, "truncated or corrupt ZIP") from None


class SESNSP(Connector):
    name = "sesnsp"
    title = "SESNSP victims of homicidio doloso and feminicidio by state and month"
    publisher = "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública (SESNSP)"
    default_base_url = "https://repodatos.atdt.gob.mx/api_update/sesnsp/incidencia_delictiva"
    keys = ("AIDWATCH_SESNSP_FILE",)
    licence = "Mexican government open data (CC BY 4.0 / Libre Uso MX)"
    citation = ("SESNSP, Datos Abiertos de Incidencia Delictiva: Víctimas de delitos del fuero "
                "común, nivel estatal.")
    series_ids = tuple(s for pair in MEASURES.values() for s in pair)
    min_interval = 1.0

    def key_hint(self) -> str:
        return ("file names change every month: set it to the victims CSV/ZIP name on the "
                "mirror, a full URL, or a downloaded file")

    def fetch(self, client: HttpClient, today: date) -> Batch:
        self.check_keys()
        batch = Batch(self.name)
        target = self.key("AIDWATCH_SESNSP_FILE") or ""
        local = Path(os.path.expanduser(target))
        if not target.startswith(("http://", "https://")) and local.is_file():
            # only the file name is recorded: a local path says nothing about the data
            fetched = Fetched(local.name, 200, local.read_bytes(), {})
            url = "https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva"
        else:
            if not target.startswith(("http://", "https://")):
                if "/" in target or target.startswith("~"):
                    raise MissingKey(self.name, f"AIDWATCH_SESNSP_FILE={target} does not exist")
                target = f"{self.base_url}/{target}"
            fetched = client.get(self.name, target, min_interval=self.min_interval)
            url = fetched.url.split("?", 1)[0]  # never store a signed query string
        batch.add_payload(fetched)
        text = decode_sesnsp(self.name, unzip_csv(self.name, fetched.content))
        check_layout(self.name, text)
        rows = read_csv(self.name, text, REQUIRED, fetched.url)
        batch.observations = parse_rows(self.name, rows)
        if not batch.observations:
            raise SourceError(self.name, "no homicidio doloso / feminicidio rows in the file")
        latest = max(o["period"] for o in batch.observations)
        batch.sources.append(self.source_row(
            SOURCE_ID, title="Víctimas de delitos del fuero común, nivel estatal, Datos "
            "Abiertos de Incidencia Delictiva", url=url, today=today,
            table=f"Homicidio doloso and Feminicidio victims by state and month, to {latest}",
            notes="victims in prosecutors' investigation files, not death registrations; "
                  "recent months are revised" + (f"; read from {target}"
                                                  if url != fetched.url.split("?", 1)[0]
                                                  else "")))
        return batch
