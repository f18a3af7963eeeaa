"""Properties of the snapshot diff (pure frames in, change records out)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from aidwatch.store import diff_frames

FUND_COLS = ["line_id", "stage", "fy_start", "fy_end", "amount_usd", "source_id"]
EMPTY_FUND = pd.DataFrame(columns=FUND_COLS).astype({"amount_usd": float})

keys = st.lists(st.tuples(st.sampled_from(["a.x", "b.y"]), st.sampled_from(["US", "MX"]),
                          st.integers(1990, 2030).map(str)), unique=True, max_size=30)


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["series_id", "geo", "period", "value", "status",
                                       "source_id"]).astype({"value": float})


@settings(max_examples=30, deadline=None)
@given(keys, st.data())
def test_diff_counts_exactly_the_edits_made(base_keys, data):
    old = [(*k, float(i), "provisional", "s1") for i, k in enumerate(base_keys)]
    new, revised, status, removed = [], 0, 0, 0
    for row in old:
        edit = data.draw(st.sampled_from(["keep", "revise", "finalise", "drop"]))
        if edit == "drop":
            removed += 1
            continue
        value, stat = row[3], row[4]
        if edit == "revise":
            value += 1.0
            revised += 1
        if edit == "finalise":
            stat = "final"
            status += 1
        new.append((*row[:3], value, stat, "s2"))
    added = data.draw(st.integers(0, 3))
    new += [("c.z", "US", str(2000 + i), 1.0, "final", "s2") for i in range(added)]
    d = diff_frames(frame(old), frame(new), EMPTY_FUND, EMPTY_FUND)
    assert d.summary()["added"] == added
    assert d.summary()["removed"] == removed
    assert d.summary()["revised"] == revised
    assert d.summary()["status_changed"] == status
    assert diff_frames(frame(new), frame(new), EMPTY_FUND, EMPTY_FUND).observations.empty


def test_diff_of_funding_lines_reports_amount_revisions():
    old = pd.DataFrame([("l1", "obligated", 2024, 2024, 100.0, "f"),
                        ("l2", "disbursed", 2024, 2024, 50.0, "f")], columns=FUND_COLS)
    new = pd.DataFrame([("l1", "obligated", 2024, 2024, 120.0, "f"),
                        ("l3", "obligated", 2025, 2025, 10.0, "f")], columns=FUND_COLS)
    d = diff_frames(frame([]), frame([]), old, new)
    assert d.funding.set_index("line_id")["change"].to_dict() == {
        "l1": "revised", "l2": "removed", "l3": "added"}
