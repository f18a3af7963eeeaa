"""Synthetic control: AidWatch against pysyncon, same data, same specification, one process.

    python benchmarks/synth_vs_pysyncon.py [--smoking PATH] [--placebo-sample N] [--workers 2]

Runs the Basque Country fit (Abadie & Gardeazabal 2003, R Synth's usual specification) and,
when the Proposition 99 panel is available, the California tobacco fit (Abadie, Diamond &
Hainmueller 2010; 38 donor states), each with the full in-space placebo battery, and prints
times, ratios, pre-period RMSPE and weight differences.

pysyncon is needed for the comparison only (it is not an AidWatch dependency):
``pip install pysyncon==1.7.0``. pysyncon runs with Powell from its regression ("ols")
start, the setting that reaches the published Basque optimum (its default Nelder-Mead from
equal weights stops at a worse local optimum). The Proposition 99 panel is read from
``../shared/data/smoking.csv`` (columns state, year, cigsale, lnincome, beer, age15to24,
retprice: the file pysyncon ships as ``examples/smoking.csv``) or from ``--smoking``.

pysyncon's Proposition 99 placebo battery takes about 40 minutes on two cores;
``--placebo-sample N`` times N of its placebo fits instead and extrapolates (said so in the
output). The last line is ``speedup=<pysyncon placebo time / aidwatch placebo time>
max_weight_diff=<max |w_aidwatch - w_pysyncon|>`` for the largest study run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aidwatch.evaluate.synth import Predictor, SyntheticControl  # noqa: E402

BASQUE = "Basque Country (Pais Vasco)"
SMOKING_DEFAULT = ROOT.parent / "shared" / "data" / "smoking.csv"


def basque_study() -> dict:
    df = pd.read_csv(ROOT / "tests" / "fixtures" / "basque.csv")
    df["year"] = df["year"].astype(int)
    df = df[df.regionno != 1]
    school = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high"]
    sectors = [f"sec.{s}" for s in ("agriculture", "energy", "industry", "construction",
                                    "services.venta", "services.nonventa")]
    special = [("gdpcap", list(range(1960, 1970)), "mean")]
    special += [(s, list(range(1961, 1970, 2)), "mean") for s in sectors]
    special += [("popdens", [1969], "mean")]
    return {"name": "Basque Country", "df": df, "unit": "regionname", "time": "year",
            "outcome": "gdpcap", "treated": BASQUE, "T": 1970,
            "donors": sorted(set(df.regionname) - {BASQUE}),
            "common": ([*school, "invest"], list(range(1964, 1970))), "special": special,
            "optimize": list(range(1960, 1970))}


def smoking_study(path: Path) -> dict:
    df = pd.read_csv(path)
    df["year"] = df["year"].astype(int)
    special = [("cigsale", [1975], "mean"), ("cigsale", [1980], "mean"),
               ("cigsale", [1988], "mean")]
    return {"name": "Proposition 99 (California)", "df": df, "unit": "state", "time": "year",
            "outcome": "cigsale", "treated": "California", "T": 1989,
            "donors": sorted(set(df.state) - {"California"}),
            "common": (["lnincome", "beer", "age15to24", "retprice"], list(range(1980, 1989))),
            "special": special, "optimize": list(range(1970, 1989))}


def aidwatch_run(st: dict, workers: int) -> dict:
    cols, periods = st["common"]
    preds = [Predictor(c, periods) for c in cols] + [Predictor(*s) for s in st["special"]]
    t0 = time.perf_counter()
    sc = SyntheticControl(st["outcome"], st["unit"], st["time"], treated=st["treated"],
                          treatment_time=st["T"], donors=st["donors"], predictors=preds,
                          optimize_periods=st["optimize"]).fit(st["df"])
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pl = sc.placebo_in_space(n_jobs=workers)
    t_pl = time.perf_counter() - t0
    return {"fit": t_fit, "placebo": t_pl, "weights": sc.weights, "rmspe": sc.pre_rmspe,
            "v": sc.v.to_numpy(), "p": pl.p_value, "p_ps": pl.p_value_pysyncon}


def pysyncon_run(st: dict, workers: int, sample: int | None, custom_v=None) -> dict:
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    cols, periods = st["common"]

    def prep(treated, controls):
        return Dataprep(foo=st["df"], predictors=cols, predictors_op="mean",
                        time_predictors_prior=periods, special_predictors=st["special"],
                        dependent=st["outcome"], unit_variable=st["unit"],
                        time_variable=st["time"], treatment_identifier=treated,
                        controls_identifier=controls, time_optimize_ssr=st["optimize"])

    opts = {"optim_method": "Powell", "optim_initial": "ols"}
    dp = prep(st["treated"], st["donors"])
    t0 = time.perf_counter()
    syn = Synth()
    syn.fit(dataprep=dp, **opts)
    t_fit = time.perf_counter() - t0
    w = pd.Series(np.asarray(syn.W), index=syn.W_names)
    out = {"fit": t_fit, "weights": w, "rmspe": float(np.sqrt(syn.loss_V))}
    if custom_v is not None:
        fixed = Synth()
        fixed.fit(dataprep=dp, custom_V=custom_v)
        # pysyncon leaves W_names unset on the custom-V path; the donor order is the same.
        out["weights_fixed_v"] = pd.Series(np.asarray(fixed.W), index=w.index)
        out["rmspe_fixed_v"] = float(np.sqrt(fixed.loss_V))
    n = len(st["donors"])
    if sample is None or sample >= n:
        t0 = time.perf_counter()
        PlaceboTest().fit(dataprep=dp, scm=Synth(), scm_options=opts, max_workers=workers,
                          verbose=False)
        out["placebo"], out["placebo_note"] = time.perf_counter() - t0, "full battery"
    else:
        t0 = time.perf_counter()
        for treated in st["donors"][:sample]:
            Synth().fit(dataprep=prep(treated, [d for d in st["donors"] if d != treated]),
                        **opts)
        per_fit = (time.perf_counter() - t0) / sample
        out["placebo"] = per_fit * n / workers
        out["placebo_note"] = (f"extrapolated: {sample} of {n} placebo fits timed "
                               f"({per_fit:.1f} s each), x {n} / {workers} workers")
    return out


def compare(st: dict, workers: int, sample: int | None) -> tuple[float, float]:
    print(f"== {st['name']}: {len(st['donors'])} donors, treated {st['treated']} from {st['T']}")
    a = aidwatch_run(st, workers)
    try:
        p = pysyncon_run(st, workers, sample, custom_v=a["v"])
    except ImportError:
        print("pysyncon is not installed: `pip install pysyncon==1.7.0` to compare "
              "(AidWatch results below only)")
        print(f"aidwatch  fit {a['fit']:.3f} s  placebo battery {a['placebo']:.2f} s  "
              f"pre-RMSPE {a['rmspe']:.4f}")
        return float("nan"), float("nan")
    wa = a["weights"].reindex(p["weights"].index).fillna(0.0)
    diff = float((wa - p["weights"]).abs().max())
    top = wa[wa > 0.005].sort_values(ascending=False)
    ptop = p["weights"][p["weights"] > 0.005].sort_values(ascending=False)
    print(f"aidwatch  fit {a['fit']:7.3f} s  pre-RMSPE {a['rmspe']:.4f}  weights "
          + ", ".join(f"{k} {v:.3f}" for k, v in top.items()))
    print(f"pysyncon  fit {p['fit']:7.3f} s  pre-RMSPE {p['rmspe']:.4f}  weights "
          + ", ".join(f"{k} {v:.3f}" for k, v in ptop.items()))
    if "weights_fixed_v" in p:
        dv = float((wa - p["weights_fixed_v"].reindex(wa.index)).abs().max())
        print(f"pysyncon given AidWatch's V: pre-RMSPE {p['rmspe_fixed_v']:.4f}, max weight "
              f"difference {dv:.4f}")
    print(f"fit time ratio (pysyncon / aidwatch): {p['fit'] / a['fit']:.1f}x")
    print(f"placebo battery: aidwatch {a['placebo']:.2f} s (p = {a['p']:.3f} strict split; "
          f"{a['p_ps']:.3f} pysyncon convention), pysyncon {p['placebo']:.1f} s "
          f"({p['placebo_note']}); ratio {p['placebo'] / a['placebo']:.0f}x")
    print(f"max |weight difference| {diff:.4f}; pre-RMSPE aidwatch {a['rmspe']:.4f} vs "
          f"pysyncon {p['rmspe']:.4f}")
    return p["placebo"] / a["placebo"], diff


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoking", type=Path, default=SMOKING_DEFAULT)
    ap.add_argument("--placebo-sample", type=int, default=None,
                    help="time this many pysyncon Prop 99 placebo fits and extrapolate")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    results = [compare(basque_study(), args.workers, None)]
    if args.smoking.is_file():
        results.append(compare(smoking_study(args.smoking), args.workers, args.placebo_sample))
    else:
        print(f"Proposition 99 panel not found at {args.smoking}: Basque only "
              "(provide smoking.csv there, or pass --smoking)")
    speedup, diff = results[-1]
    print(f"speedup={speedup:.1f} max_weight_diff={diff:.4f}")


if __name__ == "__main__":
    main()
