"""Writes the synthetic binary classification set of the speed benchmark: 100,000 rows, 50 numeric features, label.

Usage: /usr/bin/python3 bench/speed/make_synthetic.py OUT.csv
"""
import sys

import numpy as np
from sklearn.datasets import make_classification


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: make_synthetic.py OUT.csv")
    x, y = make_classification(
        n_samples=100_000,
        n_features=50,
        n_informative=20,
        n_redundant=10,
        n_classes=2,
        flip_y=0.01,
        class_sep=1.0,
        random_state=7,
    )
    header = ",".join([f"f{i}" for i in range(x.shape[1])] + ["label"])
    # %.9g keeps float32-level precision both sides read identically, at half the size of repr.
    np.savetxt(sys.argv[1], np.column_stack([x, y]), delimiter=",", header=header, comments="",
               fmt=["%.9g"] * x.shape[1] + ["%d"])


if __name__ == "__main__":
    main()
