#!/usr/bin/env python3
"""MlopsAgents script-mode training for the SageMaker scikit-learn container (sagemaker-scikit-learn:1.2-1-cpu-py3).

SageMaker runs this file as the job's entry point (hyperparameter sagemaker_program) with every other hyperparameter
as a `--name value` argument. It reads the channels the project writes (ChannelCsv: no header, the label first, then
the weight when --csv_weights 1, then the features) from SM_CHANNEL_TRAIN and SM_CHANNEL_VALIDATION, fits the
scikit-learn estimator for --algorithm with the request's hyperparameters, prints its metrics as `channel:name=value;`
lines that the job's MetricDefinitions extract into FinalMetricDataList, and saves model.joblib under SM_MODEL_DIR.
The same file is the inference entry point (model_fn, predict_fn) when the model is served by the same container.

The run is short and does not resume from checkpoints: an interrupted spot job starts again from the data.
Uses numpy, scikit-learn and joblib only (all in the container image and in Debian's python3-sklearn).
"""
import argparse
import json
import math
import os
import shutil
import sys

import joblib
import numpy as np

ALGORITHMS = ("random_forest", "logistic_regression", "linear_regression", "neural_network")
MODEL_FILE = "model.joblib"


def _number(kind, name, low=None, high=None, low_exclusive=False):
    """An argparse type that parses and range-checks one hyperparameter, naming it in its error."""

    def parse(text):
        allowed = "an integer" if kind is int else "a number"
        if low is not None:
            allowed += (" > " if low_exclusive else " >= ") + repr(low)
        if high is not None:
            allowed += " and <= " + repr(high)
        try:
            value = kind(text) if kind is float else int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"hyperparameter {name}={text!r} is not allowed: {allowed}") from None
        if (kind is float and not math.isfinite(value)) or (low is not None and (value < low or (low_exclusive and value == low))) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"hyperparameter {name}={text!r} is not allowed: {allowed}")
        return value

    return parse


def _boolean(name):
    def parse(text):
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise argparse.ArgumentTypeError(f"hyperparameter {name}={text!r} is not allowed: true or false")

    return parse


def _choice(name, values):
    def parse(text):
        if text not in values:
            raise argparse.ArgumentTypeError(f"hyperparameter {name}={text!r} is not allowed: one of {', '.join(values)}")
        return text

    return parse


def _int_list(name, low, high):
    def parse(text):
        items = [t for t in text.replace("[", "").replace("]", "").replace(" ", "").split(",") if t]
        try:
            values = [int(t, 10) for t in items]
        except ValueError:
            values = []
        if not 1 <= len(values) <= 10 or any(v < low or v > high for v in values):
            raise argparse.ArgumentTypeError(f"hyperparameter {name}={text!r} is not allowed: a list of 1 to 10 integers >= {low} and <= {high}, e.g. 64,32")
        return tuple(values)

    return parse


# The project's hyperparameter names per algorithm (plugins/MlopsAgents.Plugins/Training/AlgorithmCatalog.cs), with
# the same ranges; a name that is not here is refused by argparse as an unrecognized argument.
HYPERPARAMETERS = {
    "random_forest": {
        "n_estimators": _number(int, "n_estimators", 1, 5000),
        "max_depth": _number(int, "max_depth", 1, 64),
        "min_samples_split": _number(int, "min_samples_split", 2, 100000),
        "min_samples_leaf": _number(int, "min_samples_leaf", 1, 100000),
        "max_features": _choice("max_features", ("sqrt", "log2", "all")),
        "bootstrap": _boolean("bootstrap"),
    },
    "logistic_regression": {
        "C": _number(float, "C", 0.0, 1e9, low_exclusive=True),
        "max_iter": _number(int, "max_iter", 1, 100000),
        "tol": _number(float, "tol", 0.0, 1.0, low_exclusive=True),
    },
    "linear_regression": {
        "alpha": _number(float, "alpha", 0.0, 1e9),
        "fit_intercept": _boolean("fit_intercept"),
    },
    "neural_network": {
        "hidden_layers": _int_list("hidden_layers", 1, 4096),
        "activation": _choice("activation", ("relu", "tanh")),
        "learning_rate": _number(float, "learning_rate", 0.0, 1.0, low_exclusive=True),
        "batch_size": _number(int, "batch_size", 1, 65536),
        "max_epochs": _number(int, "max_epochs", 1, 100000),
        "early_stopping_patience": _number(int, "early_stopping_patience", 1, 10000),
        "l2": _number(float, "l2", 0.0, 1e3),
    },
}


def parse_args(argv):
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--algorithm", type=_choice("algorithm", ALGORITHMS), required=True)
    known, _ = first.parse_known_args(argv)

    parser = argparse.ArgumentParser(description="MlopsAgents scikit-learn training (SageMaker script mode)")
    parser.add_argument("--algorithm", type=_choice("algorithm", ALGORITHMS), required=True)
    parser.add_argument("--task", type=_choice("task", ("classification", "regression")), required=True)
    parser.add_argument("--num_classes", type=_number(int, "num_classes", 2, 100000), default=None)
    parser.add_argument("--seed", type=_number(int, "seed", 0, 2**32 - 1), default=42)
    parser.add_argument("--csv_weights", type=_choice("csv_weights", ("0", "1")), default="0")
    for name, kind in HYPERPARAMETERS[known.algorithm].items():
        parser.add_argument("--" + name, type=kind, default=None)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        names = ", ".join(a[2:] for a in unknown if a.startswith("--")) or " ".join(unknown)
        allowed = ", ".join(HYPERPARAMETERS[known.algorithm])
        parser.error(f"hyperparameter {names} is not one {known.algorithm} takes; allowed: {allowed}")
    if args.algorithm == "logistic_regression" and args.task != "classification":
        parser.error("hyperparameter task='regression' is not allowed for logistic_regression: classification")
    if args.algorithm == "linear_regression" and args.task != "regression":
        parser.error("hyperparameter task='classification' is not allowed for linear_regression: regression")
    if args.task == "classification" and args.num_classes is None:
        parser.error("hyperparameter num_classes is required for classification: an integer >= 2")
    return args


def estimator_for(args):
    """The scikit-learn estimator for the project's algorithm, with the hyperparameters that were given."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    classification = args.task == "classification"
    given = {k: v for k, v in vars(args).items() if k in HYPERPARAMETERS[args.algorithm] and v is not None}
    if args.algorithm == "random_forest":
        features = given.get("max_features", "sqrt" if classification else "all")
        kind = RandomForestClassifier if classification else RandomForestRegressor
        return kind(
            n_estimators=given.get("n_estimators", 100),
            max_depth=given.get("max_depth"),
            min_samples_split=given.get("min_samples_split", 2),
            min_samples_leaf=given.get("min_samples_leaf", 1),
            max_features=None if features == "all" else features,
            bootstrap=given.get("bootstrap", True),
            random_state=args.seed,
            n_jobs=-1,
        )
    if args.algorithm == "logistic_regression":
        return LogisticRegression(C=given.get("C", 1.0), max_iter=given.get("max_iter", 200), tol=given.get("tol", 1e-6), random_state=args.seed)
    if args.algorithm == "linear_regression":
        alpha = given.get("alpha", 0.0)
        intercept = given.get("fit_intercept", True)
        # alpha 0 is ordinary least squares, as in the project's own trainer; Ridge(alpha=0) would warn and solve worse.
        return LinearRegression(fit_intercept=intercept) if alpha == 0 else Ridge(alpha=alpha, fit_intercept=intercept, random_state=args.seed)
    kind = MLPClassifier if classification else MLPRegressor
    return kind(
        hidden_layer_sizes=given.get("hidden_layers", (100,)),
        activation=given.get("activation", "relu"),
        learning_rate_init=given.get("learning_rate", 0.001),
        batch_size=given.get("batch_size", 32),
        max_iter=given.get("max_epochs", 200),
        early_stopping=True,
        n_iter_no_change=given.get("early_stopping_patience", 10),
        alpha=given.get("l2", 0.0001),
        random_state=args.seed,
    )


def read_channel(directory, weighted):
    """Every file of a channel, in name order, as (labels, weights or None, features)."""
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory) if os.path.isfile(os.path.join(directory, f)) and not f.startswith("."))
    if not files:
        raise SystemExit(f"channel {directory} has no data files")
    rows = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2, dtype=np.float64) for f in files])
    first = 2 if weighted else 1
    if rows.shape[1] <= first:
        raise SystemExit(f"channel {directory} has {rows.shape[1]} columns; expected the label{', the weight' if weighted else ''} and at least one feature")
    return rows[:, 0], (rows[:, 1] if weighted else None), rows[:, first:]


def metrics_for(task, num_classes, model, features, labels):
    """The metrics the pipeline's Judge reads, under the names SageMaker XGBoost uses: accuracy, f1, auc; rmse, mae."""
    from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score

    predicted = model.predict(features)
    if task == "regression":
        return {
            "rmse": float(math.sqrt(mean_squared_error(labels, predicted))),
            "mae": float(mean_absolute_error(labels, predicted)),
            "r2": float(r2_score(labels, predicted)),
        }
    result = {"accuracy": float(accuracy_score(labels, predicted))}
    if num_classes == 2:
        result["f1"] = float(f1_score(labels, predicted, pos_label=1.0, zero_division=0))
        # AUC needs both classes in the split; with one it is undefined, so it is not reported rather than made up.
        if len(np.unique(labels)) == 2:
            result["auc"] = float(roc_auc_score(labels, model.predict_proba(features)[:, list(model.classes_).index(1.0)]))
    else:
        result["f1"] = float(f1_score(labels, predicted, average="macro", zero_division=0))
    return result


def train(argv):
    args = parse_args(argv)
    weighted = args.csv_weights == "1"
    train_dir = os.environ.get("SM_CHANNEL_TRAIN")
    held_out_dir = os.environ.get("SM_CHANNEL_VALIDATION") or os.environ.get("SM_CHANNEL_TEST")
    model_dir = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
    output_dir = os.environ.get("SM_OUTPUT_DATA_DIR", "/opt/ml/output/data")
    if not train_dir:
        raise SystemExit("SM_CHANNEL_TRAIN is not set: the job needs a 'train' channel")

    labels, weights, features = read_channel(train_dir, weighted)
    model = estimator_for(args)
    print(f"training {args.algorithm} ({type(model).__name__}) on {features.shape[0]} rows x {features.shape[1]} features{' with sample weights' if weights is not None else ''}", flush=True)
    if weights is not None and args.algorithm == "neural_network":
        # scikit-learn's MLP takes no sample weights; say so instead of pretending the class weighting applied.
        print("note: neural_network (scikit-learn MLP) takes no sample weights; the csv_weights column is not applied", file=sys.stderr, flush=True)
        model.fit(features, labels)
    elif weights is not None:
        model.fit(features, labels, sample_weight=weights)
    else:
        model.fit(features, labels)

    channels = {"train": (features, labels)}
    if held_out_dir:
        held_labels, _, held_features = read_channel(held_out_dir, weighted)
        if held_features.shape[1] != features.shape[1]:
            raise SystemExit(f"the validation channel has {held_features.shape[1]} features; the train channel has {features.shape[1]}")
        channels["validation"] = (held_features, held_labels)

    report = {}
    for channel, (x, y) in channels.items():
        for name, value in metrics_for(args.task, args.num_classes, model, x, y).items():
            report[f"{channel}:{name}"] = value
            # The job's MetricDefinitions match `channel:name=value`; repr-free formatting keeps the value a plain number.
            print(f"{channel}:{name}={value:.10g};", flush=True)

    os.makedirs(model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(model_dir, MODEL_FILE))
    # The inference container finds this file as its entry point when SAGEMAKER_SUBMIT_DIRECTORY is /opt/ml/model/code.
    code_dir = os.path.join(model_dir, "code")
    os.makedirs(code_dir, exist_ok=True)
    shutil.copyfile(os.path.abspath(__file__), os.path.join(code_dir, os.path.basename(__file__)))
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump({"algorithm": args.algorithm, "task": args.task, "metrics": report}, f, indent=2, sort_keys=True)
    return 0


def model_fn(model_dir):
    """Inference: loads the fitted estimator that training saved."""
    return joblib.load(os.path.join(model_dir, MODEL_FILE))


def predict_fn(input_data, model):
    """Inference: P(class 1) for two classes and class probabilities for more (as SageMaker XGBoost answers); values for regression."""
    rows = np.asarray(input_data, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if hasattr(model, "predict_proba"):
        probabilities = model.predict_proba(rows)
        return probabilities[:, 1] if probabilities.shape[1] == 2 else probabilities
    return model.predict(rows)


if __name__ == "__main__":
    sys.exit(train(sys.argv[1:]))
