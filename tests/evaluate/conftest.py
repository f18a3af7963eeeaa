"""Shared data for the evaluation tests: the Basque panel and its usual specification."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aidwatch.evaluate.synth import Predictor, SyntheticControl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASQUE = "Basque Country (Pais Vasco)"


def basque_spec() -> dict:
    """Abadie & Gardeazabal (2003) as in R Synth's example: 16 donors, V on gdpcap 1960-69."""
    school = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
    sectors = ["agriculture", "energy", "industry", "construction", "services.venta",
               "services.nonventa"]
    preds = [Predictor(c, range(1964, 1970)) for c in [*school, "invest"]]
    preds.append(Predictor("gdpcap", range(1960, 1970)))
    preds += [Predictor(f"sec.{s}", range(1961, 1970, 2)) for s in sectors]
    preds.append(Predictor("popdens", [1969]))
    return {"outcome": "gdpcap", "unit": "regionname", "time": "year", "treated": BASQUE,
            "treatment_time": 1970, "predictors": preds, "optimize_periods": range(1960, 1970)}


@pytest.fixture(scope="session")
def basque_df() -> pd.DataFrame:
    df = pd.read_csv(FIXTURES / "basque.csv")
    df["year"] = df["year"].astype(int)
    return df[df["regionno"] != 1].reset_index(drop=True)


@pytest.fixture(scope="session")
def basque_fit(basque_df: pd.DataFrame) -> SyntheticControl:
    spec = basque_spec()
    return SyntheticControl(spec.pop("outcome"), **spec).fit(basque_df)


@pytest.fixture(scope="session")
def basque_placebo(basque_fit: SyntheticControl):
    return basque_fit.placebo_in_space()
