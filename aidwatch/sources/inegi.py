"""INEGI (Mexico): homicide deaths by year, nationally and by state (death registrations).

Two routes, both onto ``mx.homicides.inegi.count`` (national) and
``mx.homicides.inegi.count.by_state`` (panel, geo ``MX-01``..``MX-32``):

* Default, no token: the interactive-tables service behind INEGI's table ``Mortalidad_08``
  ("Defunciones por homicidio" by entity, year and sex). ``GET {base}/app/tabulados/
  pxwebapi/api/tabulado`` gives the variables, ``POST .../datatable`` the cells, ``POST
  .../info`` the notes that flag preliminary years (stored with status ``provisional``, so a
  later refresh shows them turning ``final``). The service is undocumented: every field the
  parser relies on is checked, and a change fails this source with a message.
* With ``AIDWATCH_INEGI_TOKEN`` and ``AIDWATCH_INEGI_INDICATOR`` (an annual BISE/BIE
  indicator key of homicide deaths, looked up in INEGI's query builder; no key is
  hard-coded because none was confirmed): the Indicators API, national values only.

INEGI terms of free use (public information, reuse with attribution).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .base import Batch, Connector, fmt, load_json, number
from .http import HttpClient, SourceError

TABLE = "Mortalidad/Mortalidad_08"
SOURCE_TABLE = "inegi-mortalidad-08-live"
SOURCE_API = "inegi-indicadores-api-live"
NATIONAL = "mx.homicides.inegi.count"
PANEL = "mx.homicides.inegi.count.by_state"
STATES = (
    "Aguascalientes", "Baja California", "Baja California Sur", "Campeche",
    "Coahuila de Zaragoza", "Colima", "Chiapas", "Chihuahua", "Ciudad de México", "Durango",
    "Guanajuato", "Guerrero", "Hidalgo", "Jalisco", "México", "Michoacán de Ocampo", "Morelos",
    "Nayarit", "Nuevo León", "Oaxaca", "Puebla", "Querétaro", "Quintana Roo",
    "San Luis Potosí", "Sinaloa", "Sonora", "Tabasco", "Tamaulipas", "Tlaxcala",
    "Veracruz de Ignacio de la Llave", "Yucatán", "Zacatecas",
)
_SHORT = {"coahuila": 5, "distrito federal": 9, "estado de mexico": 15, "michoacan": 16,
          "queretaro de arteaga": 22, "veracruz": 30}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


STATE_CODES = {_fold(n): i for i, n in enumerate(STATES, start=1)} | _SHORT


def state_geo(name: str) -> str | None:
    """``MX-07`` for "Chiapas"; None for rows that are not a state (abroad, unspecified)."""
    code = STATE_CODES.get(_fold(name))
    return f"MX-{code:02d}" if code else None


def series_definitions() -> list[dict]:
    common = {"unit": "deaths", "frequency": "annual", "min_value": "0", "valid_from": "1990",
              "valid_to": "2035", "selector": "", "measure": "homicides", "drug": "_Z",
              "intent": "_Z", "sex": "_T", "age_group": "_T", "agency": "INEGI",
              "period_kind": "year"}
    return [
        {"series_id": NATIONAL, "name": "Mexico homicides (INEGI death registrations)",
         "geo": "MX", "kind": "observation",
         "definition": "INEGI Estadísticas de Defunciones Registradas: registered deaths with "
                       "presumed homicide as cause", "default_source_id": SOURCE_TABLE,
         "max_value": "100000", **common},
        {"series_id": PANEL, "name": "Mexico homicides (INEGI death registrations) by state",
         "geo": "Mexican states (MX-<INEGI code> per row)", "kind": "panel",
         "definition": "INEGI table Mortalidad_08: registered deaths with presumed homicide "
                       "as cause, by federal entity, both sexes",
         "default_source_id": SOURCE_TABLE, "max_value": "20000", **common},
    ]


def selection_body(structure: object, source: str) -> dict:
    """The datatable/info request body selecting every value of every variable."""
    if not isinstance(structure, dict) or not isinstance(structure.get("variables"), list):
        raise SourceError(source, "table structure changed: no 'variables' list")
    query = []
    for var in structure["variables"]:
        if not isinstance(var, dict) or "code" not in var or "values" not in var:
            raise SourceError(source, "table structure changed: a variable lacks code/values")
        query.append({"code": var["code"], "variabletype": None,
                      "selection": {"filter": "item", "values": var["values"]}})
    if len(query) < 2:
        raise SourceError(source, "table structure changed: fewer than two variables")
    codes = [q["code"] for q in query]
    return {"file": TABLE, "lang": "es", "showdecimals": None,
            "query": {"query": query, "response": {"format": "json-stat", "params": None}},
            "stub": codes[:1], "heading": codes[1:], "agg": None}


def parse_datatable(source: str, payload: object,
                    preliminary: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    """Observations from a ``datatable`` answer (row-major cells, last heading fastest)."""
    try:
        stub = payload["stub"][0]["label"]  # type: ignore[index]
        heading = payload["heading"]  # type: ignore[index]
        cells = payload["data"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise SourceError(source, "datatable changed: expected stub, heading and data") from None
    codes = [h.get("code") for h in heading]
    if "Periodo" not in codes or "Sexo" not in codes:
        raise SourceError(source, f"datatable changed: headings {codes}, expected Periodo, Sexo")
    labels = [h["label"] for h in heading]
    width = 1
    for lab in labels:
        width *= len(lab)
    if len(cells) != width * len(stub):
        raise SourceError(source, f"truncated datatable: {len(cells)} cells, expected "
                          f"{width * len(stub)} ({len(stub)} rows x {width} columns)")
    out = []
    for i, entity in enumerate(stub):
        for j in range(width):
            idx, rest = {}, j
            for code, lab in zip(reversed(codes), reversed(labels), strict=True):
                idx[code] = lab[rest % len(lab)]
                rest //= len(lab)
            if _fold(idx["Sexo"]) != "total" or not str(idx["Periodo"]).isdigit():
                continue
            raw = str(cells[i * width + j]).split("|", 1)[0]
            value = number(source, raw, f"{entity} {idx['Periodo']}")
            if value is None:
                continue
            year = str(idx["Periodo"])
            status = "provisional" if year in preliminary else "final"
            note = "preliminary per INEGI table note" if status == "provisional" else ""
            if _fold(entity) in ("total", "estados unidos mexicanos", "nacional"):
                out.append({"series_id": NATIONAL, "geo": "MX", "period": year,
                            "value": fmt(value), "status": status, "source_id": SOURCE_TABLE,
                            "note": note})
            elif geo := state_geo(entity):
                out.append({"series_id": PANEL, "geo": geo, "period": year,
                            "value": fmt(value), "status": status, "source_id": SOURCE_TABLE,
                            "note": note})
    return out


def preliminary_years(text: str) -> set[str]:
    """Years the table notes call preliminary ("Los datos de 2025 son preliminares")."""
    years: set[str] = set()
    for sentence in re.split(r"(?<=[.;])\s+", text):
        if "preliminar" in sentence.lower():
            years.update(re.findall(r"\b(?:19|20)\d{2}\b", sentence))
    return years


def parse_indicator(source: str, payload: object) -> list[dict]:
    """National annual observations from an Indicators API answer."""
    if isinstance(payload, list) and any("ErrorCode" in str(x) for x in payload):
        raise SourceError(source, "INEGI API error: " + "; ".join(map(str, payload)))
    try:
        series = payload["Series"][0]  # type: ignore[index]
        observations = series["OBSERVATIONS"]
    except (KeyError, IndexError, TypeError):
        raise SourceError(source, "unexpected Indicators API answer (no Series/OBSERVATIONS)"
                          ) from None
    out = []
    for o in observations:
        period = str(o.get("TIME_PERIOD", ""))
        if not re.fullmatch(r"\d{4}", period):
            raise SourceError(source, f"indicator {series.get('INDICADOR')} is not annual "
                              f"(period {period!r}); AIDWATCH_INEGI_INDICATOR must be an annual "
                              "count of homicide deaths")
        value = number(source, o.get("OBS_VALUE") or "", f"{period}")
        if value is None:
            continue
        out.append({"series_id": NATIONAL, "geo": "MX", "period": period,
                    "value": fmt(value), "status": "final", "source_id": SOURCE_API,
                    "note": f"indicator {series.get('INDICADOR')}"})
    return out


class INEGI(Connector):
    name = "inegi"
    title = "INEGI homicide deaths by year and state (table Mortalidad_08 / Indicators API)"
    publisher = "Instituto Nacional de Estadística y Geografía (INEGI)"
    default_base_url = "https://www.inegi.org.mx"
    optional_keys = ("AIDWATCH_INEGI_TOKEN", "AIDWATCH_INEGI_INDICATOR")
    licence = "INEGI terms of free use (Términos de libre uso)"
    citation = ("INEGI. Estadísticas de Defunciones Registradas: Defunciones por homicidio "
                "(tabulado Mortalidad_08).")
    series_ids = (NATIONAL, PANEL)
    min_interval = 1.0

    def fetch(self, client: HttpClient, today: date) -> Batch:
        token, indicator = (self.key("AIDWATCH_INEGI_TOKEN"),
                            self.key("AIDWATCH_INEGI_INDICATOR"))
        batch = Batch(self.name)
        batch.series = series_definitions()
        if token and indicator:
            return self._indicators_api(client, today, batch, token, indicator)
        api = f"{self.base_url}/app/tabulados/pxwebapi/api"
        structure = client.get(self.name, f"{api}/tabulado",
                               params={"lang": "es", "file": TABLE},
                               min_interval=self.min_interval)
        batch.add_payload(structure)
        body = selection_body(load_json(self.name, structure), self.name)
        data = client.post_json(self.name, f"{api}/datatable", body,
                                min_interval=self.min_interval)
        batch.add_payload(data)
        preliminary: set[str] = set()
        try:
            info = client.post_json(self.name, f"{api}/info", body,
                                    min_interval=self.min_interval)
            batch.add_payload(info)
            preliminary = preliminary_years(info.content.decode("utf-8", "replace"))
        except SourceError as exc:
            batch.notes.append(f"table notes unavailable ({exc.message}); no year flagged "
                               "preliminary")
        batch.observations = parse_datatable(self.name, load_json(self.name, data), preliminary)
        if not batch.observations:
            raise SourceError(self.name, "no homicide counts in the table")
        flagged = f"; preliminary: {', '.join(sorted(preliminary))}" if preliminary else ""
        batch.sources.append(self.source_row(
            SOURCE_TABLE, title="Defunciones por homicidio por entidad federativa, año y sexo "
            "(tabulado interactivo Mortalidad_08)",
            url=f"{api}/datatable?file={TABLE}", today=today,
            table="Total (both sexes), national and by federal entity",
            notes="registered deaths with presumed homicide as cause (death certificates), "
                  f"not SESNSP investigation files{flagged}"))
        return batch

    def _indicators_api(self, client: HttpClient, today: date, batch: Batch, token: str,
                        indicator: str) -> Batch:
        if not indicator.isdigit():
            raise SourceError(self.name, f"AIDWATCH_INEGI_INDICATOR={indicator!r} is not an "
                              "indicator key (digits)")
        url = (f"{self.base_url}/app/api/indicadores/desarrolladores/jsonxml/INDICATOR/"
               f"{indicator}/es/00/false/BIE-BISE/2.0")
        fetched = client.get(self.name, url, params={"type": "json"}, secret_path=f"/{token}",
                             min_interval=self.min_interval, accept_statuses=(400,))
        batch.add_payload(fetched)
        batch.observations = parse_indicator(self.name, load_json(self.name, fetched))
        batch.series = [s for s in batch.series if s["series_id"] == NATIONAL]
        for s in batch.series:
            s["default_source_id"] = SOURCE_API
        batch.sources.append(self.source_row(
            SOURCE_API, title=f"Banco de Indicadores, indicator {indicator}",
            url=f"{url}/TOKEN?type=json", today=today,
            table=f"indicator {indicator}, national, full series",
            notes="token removed from the URL"))
        return batch
