#!/usr/bin/python3
"""Writes drift_fixtures.json: seeded samples and SciPy's drift statistics on them.

Run with Debian's python3-scipy (1.10.1) and python3-numpy: /usr/bin/python3 make_fixtures.py
Samples are rounded to 6 decimals before the statistics are computed, so the JSON holds exactly the inputs used.

Numeric cases: scipy.stats.ks_2samp (method="auto": exact when both samples have at most 10,000 values,
asymptotic kstwo otherwise), scipy.stats.wasserstein_distance divided by the reference's population std
(max(std, 0.001), as Evidently does).
Categorical cases follow Evidently: keys are the union of categories; chisquare(observed current counts,
expected = reference counts x n_current / n_reference); jensenshannon on the two frequency vectors after
Evidently's zero fill (an empty cell gets 0.0001, or min non-zero share / 1e6 when that is at most 0.0001),
natural log.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance


def rounded(a):
    return [round(float(v), 6) for v in a]


def numeric_case(name, reference, current):
    reference, current = rounded(reference), rounded(current)
    ks = stats.ks_2samp(reference, current)
    wd = stats.wasserstein_distance(reference, current)
    norm = max(float(np.std(reference)), 0.001)
    mode = "exact" if max(len(reference), len(current)) <= 10000 else "asymp"
    return {
        "name": name, "kind": "numeric", "ks_mode": mode,
        "reference": reference, "current": current,
        "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(wd), "wasserstein_norm": float(wd / norm),
    }


def fill_zeroes(p):
    p = p.copy()
    nonzero = p[p != 0]
    low = nonzero.min()
    np.place(p, p == 0, low / 10**6 if low <= 0.0001 else 0.0001)
    return p


def categorical_case(name, reference, current):
    reference, current = [str(v) for v in reference], [str(v) for v in current]
    keys = sorted(set(reference) | set(current))
    ref_counts = np.array([reference.count(k) for k in keys], dtype=float)
    cur_counts = np.array([current.count(k) for k in keys], dtype=float)
    expected = ref_counts * len(current) / len(reference)
    chi = stats.chisquare(cur_counts, expected)
    ref_p = fill_zeroes(ref_counts / len(reference))
    cur_p = fill_zeroes(cur_counts / len(current))
    js = distance.jensenshannon(ref_p, cur_p)
    return {
        "name": name, "kind": "categorical",
        "reference": reference, "current": current,
        "chi_square_statistic": float(chi.statistic), "chi_square_pvalue": float(chi.pvalue),
        "jensen_shannon": float(js),
    }


def main():
    rng = np.random.default_rng(20240607)
    cats = ["a", "b", "c", "d"]
    cases = [
        numeric_case("shifted_normal", rng.normal(0, 1, 800), rng.normal(0.3, 1, 600)),
        numeric_case("same_distribution", rng.normal(5, 2, 1500), rng.normal(5, 2, 1200)),
        numeric_case("small_exact_unequal", rng.normal(0, 1, 20), rng.normal(0.8, 1, 15)),
        numeric_case("small_exact_equal", rng.normal(0, 1, 30), rng.normal(0.5, 1, 30)),
        numeric_case("ties_poisson", rng.poisson(3, 300).astype(float), rng.poisson(3.5, 250).astype(float)),
        numeric_case("asymptotic_shifted", rng.normal(0, 1, 10500), rng.normal(0.1, 1, 3000)),
        numeric_case("asymptotic_same", rng.normal(0, 1, 10200), rng.normal(0, 1, 2500)),
        categorical_case("categorical_shift", rng.choice(cats, 500, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(cats, 400, p=[0.25, 0.25, 0.25, 0.25])),
        categorical_case("categorical_same", rng.choice(cats, 2000, p=[0.4, 0.3, 0.2, 0.1]), rng.choice(cats, 1500, p=[0.4, 0.3, 0.2, 0.1])),
        categorical_case("categorical_missing_level", rng.choice(cats, 600, p=[0.5, 0.3, 0.2, 0.0]), rng.choice(cats, 500, p=[0.5, 0.3, 0.2, 0.0])),
    ]
    out = {"scipy_version": scipy.__version__, "numpy_version": np.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "drift_fixtures.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
