#!/usr/bin/python3
"""Writes significance_fixtures.json: seeded samples and SciPy's two-sample test values on them.

Run with Debian's python3-scipy (1.10.1): /usr/bin/python3 make_fixtures.py
Welch cases: scipy.stats.ttest_ind(a, b, equal_var=False) on samples rounded to 6 decimals.
Proportion cases: the pooled two-proportion z statistic (as statsmodels' proportions_ztest) with its two-sided
p-value 2 * scipy.stats.norm.sf(|z|).
"""
import json
import os

import numpy as np
from scipy import stats

rng = np.random.default_rng(20260101)
welch = []
for name, (n1, m1, s1, n2, m2, s2) in {
    "equal_means": (40, 1.0, 0.5, 55, 1.0, 0.5),
    "shifted": (30, 1.0, 0.4, 35, 1.3, 0.9),
    "small_unequal": (5, 2.0, 1.0, 8, 3.5, 0.3),
    "large": (2000, 0.10, 0.05, 1500, 0.105, 0.06),
}.items():
    a = np.round(rng.normal(m1, s1, n1), 6)
    b = np.round(rng.normal(m2, s2, n2), 6)
    r = stats.ttest_ind(a, b, equal_var=False)
    va, vb = a.var(ddof=1) / n1, b.var(ddof=1) / n2
    df = (va + vb) ** 2 / (va ** 2 / (n1 - 1) + vb ** 2 / (n2 - 1))
    welch.append({"name": name, "a": a.tolist(), "b": b.tolist(), "t": float(r.statistic), "p": float(r.pvalue), "df": float(df)})

proportions = []
for name, (x1, n1, x2, n2) in {
    "clear": (90, 100, 70, 100),
    "close": (480, 1000, 500, 1000),
    "tiny": (3, 10, 7, 10),
}.items():
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    proportions.append({"name": name, "x1": x1, "n1": n1, "x2": x2, "n2": n2, "z": float(z), "p": float(2 * stats.norm.sf(abs(z)))})

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "significance_fixtures.json"), "w") as f:
    json.dump({"welch": welch, "proportions": proportions}, f, indent=1)
