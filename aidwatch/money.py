"""Funding tables and money arithmetic: constant dollars and currency conversion.

Money is stored nominal. Constant dollars use the store's CPI-U annual averages
(``us.cpi_u.annual``): an amount for fiscal year FY*t* is multiplied by CPI(base) / CPI(*t*),
using the calendar-year average of the year in which the fiscal year ends (FY2019 → 2019).
That approximation is stated wherever constant dollars are shown.
"""

from __future__ import annotations

import pandas as pd

from .errors import InputError
from .store import Store

BY_CHOICES = ("account", "program", "stage", "source")
DEFLATOR_NOTE = ("constant dollars: CPI-U annual average (us.cpi_u.annual, BLS) of the calendar "
                 "year in which the fiscal year ends")
CURRENCY_SERIES = {"MXN": "fx.mxn_per_usd.annual", "BRL": "fx.brl_per_usd.annual"}


def funding_table(store: Store, series_id: str = "us.aid.mexico", *, by: str | None = None,
                  stage: str | None = None, constant_dollars: int | None = None,
                  include_cumulative: bool = False, start: str | None = None,
                  end: str | None = None) -> pd.DataFrame:
    """Funding lines of a funding series, one row per line or pivoted ``by`` a dimension.

    Lines from different sources, stages or documents are never added together: the same
    appropriation is often quoted by several documents. With ``by``, the table has one row
    per (fiscal year, stage, source, vehicle) and one column per value of ``by``.

    Args:
        by: None (one row per line), or account, program, stage or source.
        constant_dollars: a base year; adds ``amount_usd_<year>`` columns.
        start, end: first and last fiscal year (``2008`` or ``FY2008``).
    """
    if by is not None and by not in BY_CHOICES:
        raise InputError(f"--by {by!r} is not a funding dimension",
                         "use one of " + ", ".join(BY_CHOICES))
    lines = store.funding(series_id, stage=stage, include_cumulative=include_cumulative)
    if start:
        lines = lines[lines["fy_start"] >= _fiscal_year(start)]
    if end:
        lines = lines[lines["fy_end"] <= _fiscal_year(end)]
    lines = lines.assign(fiscal_year=[
        f"FY{s}" if s == e else f"FY{s}-FY{e}" for s, e in zip(lines["fy_start"],
                                                               lines["fy_end"], strict=True)])
    if constant_dollars is not None:
        factor = store.deflator(constant_dollars)
        lines[f"amount_usd_{constant_dollars}"] = [
            amount * factor.get(end, float("nan")) if start == end else float("nan")
            for amount, start, end in zip(lines["amount_usd"], lines["fy_start"],
                                          lines["fy_end"], strict=True)]
    if by is None:
        cols = ["fiscal_year", "stage", "program", "account", "amount_usd"]
        if constant_dollars is not None:
            cols.append(f"amount_usd_{constant_dollars}")
        return lines[cols + ["approximate", "source_id", "vehicle", "recipient", "line_id",
                             "note"]].reset_index(drop=True)
    column = {"source": "source_id"}.get(by, by)
    index = [c for c in ("fiscal_year", "stage", "source_id", "vehicle") if c != column]
    value = f"amount_usd_{constant_dollars}" if constant_dollars is not None else "amount_usd"
    if lines.empty:
        return pd.DataFrame(columns=index)
    order = lines.drop_duplicates("fiscal_year")[["fiscal_year", "fy_start", "fy_end"]]
    table = (lines.pivot_table(index=index, columns=column, values=value,
                               aggfunc=lambda x: x.sum(min_count=1), dropna=False, sort=True)
             .dropna(how="all").reset_index())
    table.columns.name = None
    table = table.merge(order, on="fiscal_year").sort_values(
        ["fy_start", "fy_end", *index[1:]]).drop(columns=["fy_start", "fy_end"])
    return table.reset_index(drop=True)


def _fiscal_year(text: str) -> int:
    digits = str(text).upper().removeprefix("FY")
    if not (digits.isdigit() and len(digits) == 4):
        raise InputError(f"{text!r} is not a fiscal year", "write 2008 or FY2008")
    return int(digits)


def fx_rate(store: Store, currency: str, year: int) -> tuple[float, str]:
    """Units of ``currency`` per U.S. dollar in ``year`` (annual average) and its series id."""
    series_id = CURRENCY_SERIES.get(currency.upper())
    if series_id is None:
        raise InputError(f"no exchange-rate series for {currency!r}",
                         "known currencies: " + ", ".join(CURRENCY_SERIES))
    df = store.series(series_id)
    match = df[df["period"] == str(year)]
    if match.empty:
        raise InputError(f"no {currency}/USD rate for {year} in the store",
                         f"{series_id} covers {df['period'].iloc[0]}-{df['period'].iloc[-1]}")
    return float(match["value"].iloc[0]), series_id
