"""``linml.io.save/load`` of a fitted ``Pipeline``: allow-listed preprocessing + a linml estimator.

Round trips must reproduce predictions exactly; hostile or damaged files must be refused with
one ``LinmlInputError`` at load, before anything they name is imported or run.
"""

from __future__ import annotations

import io as _io
import json
import os
import sys
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures, StandardScaler

from linml.decomposition import PCA
from linml.exceptions import LinmlInputError
from linml.io import load, save
from linml.linear_model import LinearRegression, LogisticRegression, Ridge
from linml.tabular import prepare


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    """Real-shaped: numbers with NaN, strings with NaN, dates as text, booleans, two targets."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.15, np.nan, x),
            "z": rng.uniform(0, 10, n),
            "colour": rng.choice(np.array(["red", "green", "blue", None], dtype=object), n),
            "seen": pd.date_range("2021-03-01", periods=n, freq="5D").strftime("%Y-%m-%d"),
            "member": rng.random(n) < 0.5,
            "amount": 3 * x + rng.standard_normal(n),
            "label": rng.choice(["yes", "no", "maybe"], n),
        }
    )


def _new_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows for predict: an unseen category, a missing number, a missing string."""
    new = df.head(8).copy()
    new.loc[new.index[0], "colour"] = "purple"
    new.loc[new.index[1], "x"] = np.nan
    new.loc[new.index[2], "colour"] = None
    return new


def _fit(df, target, task, est, **options):
    prep = prepare(df, target, task=task, **options)
    return prep.pipeline(est).fit(prep.X, prep.y), prep


def _round_trip(model, tmp_path):
    path = tmp_path / "model.npz"
    save(model, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same scikit-learn: no version warning
        return load(path)


def _same_names(a, b):
    assert list(a[:-1].get_feature_names_out()) == list(b[:-1].get_feature_names_out())


# ---------------------------------------------------------------------------- round trips
@pytest.mark.filterwarnings("ignore::linml.NumericalWarning")  # one-hot + intercept: rank-deficient
@pytest.mark.filterwarnings("ignore:Found unknown categories")  # "purple", on purpose
@pytest.mark.parametrize(
    ("est", "options"),
    [
        (LinearRegression(), {}),
        (Ridge(alpha=2.0), {}),
        (Ridge(), {"drop_first": True}),
        (LinearRegression(), {"missing": "drop"}),
    ],
    ids=["ols", "ridge", "ridge-drop-first", "ols-missing-drop"],
)
def test_regression_pipeline_round_trips(est, options, tmp_path):
    df = _frame()
    model, prep = _fit(df.drop(columns="label"), "amount", "regress", est, **options)
    back = _round_trip(model, tmp_path)
    assert isinstance(back, Pipeline) and type(back[-1]) is type(model[-1])
    new = _new_rows(df).drop(columns=["label", "amount"])
    if options.get("missing") == "drop":
        new = new.dropna()
    np.testing.assert_array_equal(back.predict(new), model.predict(new))
    np.testing.assert_array_equal(back.predict(prep.X), model.predict(prep.X))
    _same_names(back, model)
    assert back[-1].get_params() == model[-1].get_params()


def test_classifier_with_string_labels_round_trips(tmp_path):
    df = _frame()
    model, _ = _fit(df.drop(columns="amount"), "label", "classify", LogisticRegression())
    back = _round_trip(model, tmp_path)
    new = _new_rows(df).drop(columns=["label", "amount"])
    np.testing.assert_array_equal(back.predict(new), model.predict(new))
    np.testing.assert_array_equal(back.predict_proba(new), model.predict_proba(new))
    np.testing.assert_array_equal(back.classes_, model.classes_)
    assert [type(c) for c in back.classes_] == [type(c) for c in model.classes_]
    _same_names(back, model)


def test_pca_pipeline_round_trips_transform(tmp_path):
    df = _frame().drop(columns=["label", "amount"])
    model, _ = _fit(df, None, None, PCA(n_components=3))
    back = _round_trip(model, tmp_path)
    new = _new_rows(df)
    np.testing.assert_array_equal(back.transform(new), model.transform(new))
    _same_names(back, model)


def test_restored_text_arrays_keep_their_element_types(tmp_path):
    df = _frame()
    model, _ = _fit(df.drop(columns="amount"), "label", "classify", LogisticRegression())
    back = _round_trip(model, tmp_path)
    encoder, encoder_back = (m[0].named_transformers_["cat"][-1] for m in (model, back))
    for a, b in zip(encoder.categories_, encoder_back.categories_, strict=True):
        assert b.dtype == object and a.tolist() == b.tolist()
        assert [type(v) for v in a] == [type(v) for v in b]
    imputer, imputer_back = (m[0].named_transformers_["cat"][1] for m in (model, back))
    assert imputer_back._fit_dtype == imputer._fit_dtype == np.dtype(object)
    assert imputer_back.statistics_.tolist() == imputer.statistics_.tolist()


def test_object_array_with_none_and_nan_round_trips(tmp_path):
    """An encoder fitted on raw strings with NaN holds a str/NaN object array."""
    from sklearn.preprocessing import OneHotEncoder

    X = pd.DataFrame({"c": ["a", None, "b", np.nan, "a", "b"], "v": [1.0, 2, 3, 4, 5, 6]})
    ct = ColumnTransformer(
        [("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["c"])],
        remainder="passthrough",
    )
    model = Pipeline([("prep", ct), ("model", Ridge())]).fit(X, np.arange(6.0))
    back = _round_trip(model, tmp_path)
    cats, cats_back = model[0].transformers_[0][1].categories_[0], back[0].transformers_[0][1]
    cats_back = cats_back.categories_[0]
    assert [type(v) for v in cats_back] == [type(v) for v in cats]
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_plain_sklearn_steps_without_column_transformer(tmp_path):
    from sklearn.impute import SimpleImputer

    X = np.random.default_rng(3).standard_normal((30, 4))
    X[::7, 1] = np.nan
    model = Pipeline(
        [("impute", SimpleImputer()), ("scale", StandardScaler()), ("model", Ridge())]
    ).fit(X, np.arange(30.0))
    back = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


# ---------------------------------------------------------------------------- refused at save
@pytest.mark.parametrize(
    ("step", "named"),
    [
        (FunctionTransformer(np.log1p), "FunctionTransformer"),
        (PolynomialFeatures(), "PolynomialFeatures"),
    ],
)
def test_disallowed_step_is_refused_at_save_naming_it(step, named, tmp_path):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.5, 0.1, 0.3, 0.2]})
    ct = ColumnTransformer([("bad", step, ["a", "b"])])
    model = Pipeline([("prep", ct), ("model", Ridge())]).fit(X, np.arange(4.0))
    path = tmp_path / "m.npz"
    with pytest.raises(LinmlInputError, match=named) as info:
        save(model, path)
    assert "transformers" in str(info.value)  # the attribute path is named
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_last_step_must_be_a_linml_estimator(tmp_path):
    from sklearn.linear_model import Ridge as SkRidge

    X = np.eye(4)
    model = Pipeline([("scale", StandardScaler()), ("model", SkRidge())]).fit(X, np.arange(4.0))
    with pytest.raises(LinmlInputError, match="must be a linml estimator"):
        save(model, tmp_path / "m.npz")


def test_save_to_a_directory_names_it(tmp_path):
    model, _ = _fit(_frame().drop(columns="label"), "amount", "regress", Ridge())
    for obj in (model, model[-1]):
        with pytest.raises(LinmlInputError, match="is a directory; give a file name") as info:
            save(obj, tmp_path)
        assert str(tmp_path) in str(info.value) and ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------- hostile files
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(path, members, metadata) of one saved prepare() pipeline."""
    model, _ = _fit(_frame().drop(columns="label"), "amount", "regress", Ridge())
    path = tmp_path_factory.mktemp("saved") / "model.npz"
    save(model, path)
    with np.load(path, allow_pickle=False) as npz:
        members = {k: npz[k] for k in npz.files}
    meta = json.loads(members.pop("__linml__").tobytes())
    return path, members, meta


def _write(path, members, meta):
    payload = dict(members)
    payload["__linml__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(path, **payload)
    return path


def _objects(tree):
    """Every ``est`` entry of a pipeline tree."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("__t__") == "est":
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _tampered(saved, tmp_path, edit):
    _, members, meta = saved
    meta, members = json.loads(json.dumps(meta)), dict(members)
    edit(meta, members)
    return _write(tmp_path / "evil.npz", members, meta)


def test_intact_copy_loads(saved, tmp_path):
    back = load(_tampered(saved, tmp_path, lambda meta, members: None))
    assert isinstance(back, Pipeline)


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "subprocess.Popen",
        "sklearn.preprocessing.FunctionTransformer",
        "builtins.eval",
        "linml_evil_module_xyz.Thing",
        "linml.tabular.read_table",
    ],
)
def test_file_naming_a_class_outside_the_allow_list_is_refused(saved, tmp_path, name, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))

    def edit(meta, members):
        scaler = next(o for o in _objects(meta["pipeline"]) if o["cls"].endswith("StandardScaler"))
        scaler["cls"] = name
        scaler["d"] = {"command": "touch pwned"}

    with pytest.raises(LinmlInputError, match="not an allowed pipeline step"):
        load(_tampered(saved, tmp_path, edit))
    assert calls == [] and "linml_evil_module_xyz" not in sys.modules
    assert not (tmp_path / "pwned").exists()


def test_model_class_outside_linml_is_refused(saved, tmp_path):
    def edit(meta, members):
        meta["estimator"]["module"], meta["estimator"]["class"] = "os", "system"

    with pytest.raises(LinmlInputError, match="not a linml estimator class"):
        load(_tampered(saved, tmp_path, edit))


def test_unknown_tag_is_refused(saved, tmp_path):
    def edit(meta, members):
        meta["pipeline"]["d"]["memory"] = {"__t__": "pickle", "v": "gASVAAAA"}

    with pytest.raises(LinmlInputError, match="unknown tag 'pickle'"):
        load(_tampered(saved, tmp_path, edit))


def test_method_shadowing_attribute_is_refused(saved, tmp_path):
    def edit(meta, members):
        scaler = next(o for o in _objects(meta["pipeline"]) if o["cls"].endswith("StandardScaler"))
        scaler["d"]["transform"] = "x"

    with pytest.raises(LinmlInputError, match="'transform' is not a fitted attribute"):
        load(_tampered(saved, tmp_path, edit))


@pytest.mark.parametrize(
    "value",
    [
        {"__t__": "dict", "k": ["transform"], "v": ["polars"]},
        {"__t__": "scalar", "dtype": "int64", "v": "not a number"},
        {"__t__": "dtype", "v": "V8"},
        {"__t__": "text", "v": "p0", "mask": "p0"},
        {"__t__": "tuple", "v": {"a": 1}},
        {"__t__": "est", "cls": "sklearn.impute.SimpleImputer"},
    ],
    ids=["polars-output", "bad-scalar", "void-dtype", "reused-member", "bad-tuple", "no-attrs"],
)
def test_malformed_entries_are_refused(saved, tmp_path, value):
    def edit(meta, members):
        key = "_sklearn_output_config" if "polars" in str(value) else "memory"
        meta["pipeline"]["d"][key] = value

    with pytest.raises(LinmlInputError, match="pipeline metadata is malformed"):
        load(_tampered(saved, tmp_path, edit))


def test_deeply_nested_json_is_refused(saved, tmp_path):
    def edit(meta, members):
        deep: list = []
        for _ in range(200):
            deep = [deep]
        meta["pipeline"]["d"]["memory"] = deep

    with pytest.raises(LinmlInputError, match="nests deeper than"):
        load(_tampered(saved, tmp_path, edit))


@pytest.mark.parametrize("member", ["evil", "p1x", "q0", "m__"])
def test_array_member_outside_the_name_pattern_is_refused(saved, tmp_path, member):
    def edit(meta, members):
        members[member] = np.zeros(3)

    with pytest.raises(LinmlInputError, match="unknown member"):
        load(_tampered(saved, tmp_path, edit))


def test_unreferenced_or_missing_array_member_is_refused(saved, tmp_path):
    with pytest.raises(LinmlInputError, match="is not used"):
        load(_tampered(saved, tmp_path, lambda meta, members: members.update(p9999=np.zeros(1))))

    def drop_one(meta, members):
        del members["p0"]

    with pytest.raises(LinmlInputError, match="missing array member 'p0'"):
        load(_tampered(saved, tmp_path, drop_one))


def test_object_dtype_member_is_refused_without_unpickling(saved, tmp_path):
    path = saved[0]
    evil = tmp_path / "evil.npz"
    buffer = _io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            data = buffer.getvalue() if info.filename == "p0.npy" else src.read(info)
            dst.writestr(info.filename, data)
    with pytest.raises(LinmlInputError, match="never unpickles"):
        load(evil)


def test_tampered_array_shapes_fail_at_load(saved, tmp_path):
    def edit(meta, members):
        scaler = next(
            o
            for o in _objects(meta["pipeline"])
            if o["cls"].endswith("StandardScaler") and "mean_" in o["d"]  # a fitted one
        )
        key = scaler["d"]["mean_"]["v"]
        members[key] = np.zeros(members[key].size + 2)

    with pytest.raises(LinmlInputError, match="does not fit together"):
        load(_tampered(saved, tmp_path, edit))


def test_model_width_must_match_the_preprocessing(saved, tmp_path):
    def edit(meta, members):
        members["m__coef_"] = np.zeros(members["m__coef_"].shape[-1] - 1)
        meta["estimator"]["state"]["n_features_in_"] -= 1
        meta["estimator"]["state"].pop("feature_names_in_", None)

    with pytest.raises(LinmlInputError, match=r"does not fit together|state does not fit"):
        load(_tampered(saved, tmp_path, edit))


def test_last_step_must_be_the_model(saved, tmp_path):
    def edit(meta, members):
        steps = meta["pipeline"]["d"]["steps"]
        steps.append({"__t__": "tuple", "v": ["again", {"__t__": "model"}]})

    with pytest.raises(LinmlInputError, match="must appear once"):
        load(_tampered(saved, tmp_path, edit))


def test_newer_pipeline_format_asks_to_upgrade(saved, tmp_path):
    def edit(meta, members):
        meta["format_version"] = 99

    with pytest.raises(LinmlInputError, match="newer than this linml reads"):
        load(_tampered(saved, tmp_path, edit))


def test_other_scikit_learn_version_warns_once(saved, tmp_path, monkeypatch):
    import sklearn

    saved_with = sklearn.__version__
    monkeypatch.setattr(sklearn, "__version__", "0.0.1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        back = load(saved[0])
    assert isinstance(back, Pipeline)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1, messages
    assert saved_with in messages[0] and "0.0.1" in messages[0] and "refit" in messages[0]
    assert "\n" not in messages[0]


# ---------------------------------------------------------------------------- not archives
@pytest.mark.parametrize("kind", ["csv", "random", "npy", "empty"])
def test_non_zip_file_gives_one_clear_error(tmp_path, kind):
    path = tmp_path / "model.npz"
    if kind == "csv":
        path.write_text("a,b\n1,2\n3,4\n")
    elif kind == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif kind == "npy":
        with open(path, "wb") as handle:
            np.save(handle, np.arange(5.0))
    else:
        path.write_bytes(b"")
    with pytest.raises(LinmlInputError) as info:
        load(path)
    message = str(info.value)
    assert "is not a linml model file (not a zip archive)" in message
    assert "allow_pickle" not in message and str(path) in message


# ---------------------------------------------------------------------------- property
_values = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    numbers=st.lists(_values, min_size=12, max_size=30),
    seed=st.integers(0, 2**16),
)
def test_random_frames_round_trip(numbers, seed, tmp_path):
    rng = np.random.default_rng(seed)
    n = len(numbers)
    df = pd.DataFrame(
        {
            "x": [np.nan if v is None else v for v in numbers],
            "c": rng.choice(np.array(["a", "b", "c", None], dtype=object), n),
            "y": rng.standard_normal(n),
        }
    )
    if df["x"].notna().sum() < 2 or df["c"].notna().sum() < 2:
        return
    model, _ = _fit(df, "y", "regress", Ridge())
    path = tmp_path / "prop.npz"
    save(model, path)
    back = load(path)
    new = df.drop(columns="y")
    np.testing.assert_array_equal(back.predict(new), model.predict(new))
    _same_names(back, model)


# ---------------------------------------------------------------------------- plain scikit-learn
def _sk_frame(n: int = 50, seed: int = 1) -> pd.DataFrame:
    """Numbers with NaN, a pandas string column with NaN, a bool column; no linml.tabular."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    df = pd.DataFrame(
        {
            "a": np.where(rng.random(n) < 0.2, np.nan, a),
            "b": rng.integers(0, 5, n).astype(float),
            "s": pd.Series(rng.choice(["x", "y", "z"], n)).where(rng.random(n) > 0.15),
            "flag": rng.random(n) < 0.5,
        }
    )
    df["target"] = 2 * a + df["b"] + rng.standard_normal(n)
    return df


def _sk_pipeline(est, num_cols=("a", "b"), cat_cols=("s", "flag"), **onehot):
    """The pipeline the task describes, built from scikit-learn classes only."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    num = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
        ]
    )
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, **onehot)
    cat = Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", encoder)])
    num_cols = list(num_cols) if isinstance(num_cols, tuple) else num_cols
    cat_cols = list(cat_cols) if isinstance(cat_cols, tuple) else cat_cols
    prep = ColumnTransformer(
        [("num", num, num_cols), ("cat", cat, cat_cols)], verbose_feature_names_out=False
    ).set_output(transform="pandas")
    return Pipeline([("prep", prep), ("model", est)])


def _sk_new_rows(df: pd.DataFrame) -> pd.DataFrame:
    new = df.drop(columns="target").head(6).copy()
    new.loc[new.index[0], "s"] = "unseen"
    new.loc[new.index[1], "a"] = np.nan
    new.loc[new.index[2], "s"] = np.nan
    return new


@pytest.mark.filterwarnings("ignore::linml.NumericalWarning")  # one-hot + intercept
@pytest.mark.filterwarnings("ignore:Found unknown categories")  # "unseen", on purpose
@pytest.mark.parametrize(
    ("est", "methods"),
    [
        (LinearRegression(), ("predict",)),
        (Ridge(alpha=0.5), ("predict",)),
        (LogisticRegression(), ("predict", "predict_proba")),
        (PCA(n_components=3), ("transform",)),
    ],
    ids=["ols", "ridge", "logistic-string-labels", "pca"],
)
def test_plain_sklearn_preprocessing_round_trips(est, methods, tmp_path):
    """Regression: a bool column made SimpleImputer/OneHotEncoder hold Python bools in object
    arrays (statistics_ = ['y', True]), which save refused."""
    df = _sk_frame()
    X = df.drop(columns="target")
    y = np.where(df["target"] > df["target"].median(), "high", "low")
    model = _sk_pipeline(est).fit(X, y if isinstance(est, LogisticRegression) else df["target"])
    back = _round_trip(model, tmp_path)
    new = _sk_new_rows(df)
    for method in methods:
        for rows in (X, new):
            np.testing.assert_array_equal(getattr(back, method)(rows), getattr(model, method)(rows))
    _same_names(back, model)
    if isinstance(est, PCA):
        assert list(back.get_feature_names_out()) == list(model.get_feature_names_out())


def test_bool_elements_keep_their_types(tmp_path):
    df = _sk_frame()
    model = _sk_pipeline(Ridge()).fit(df.drop(columns="target"), df["target"])
    back = _round_trip(model, tmp_path)
    imputer, imputer_back = (m[0].named_transformers_["cat"]["impute"] for m in (model, back))
    encoder, encoder_back = (m[0].named_transformers_["cat"]["onehot"] for m in (model, back))
    pairs = [(imputer.statistics_, imputer_back.statistics_)]
    pairs += list(zip(encoder.categories_, encoder_back.categories_, strict=True))
    assert any(type(v) is bool for a, _ in pairs for v in a)  # the case under test occurs
    for a, b in pairs:
        assert a.dtype == b.dtype and a.tolist() == b.tolist()
        assert [type(v) for v in a] == [type(v) for v in b]


def test_object_array_of_every_element_kind_round_trips(tmp_path):
    """Each element type an object array may hold comes back as that type."""
    from sklearn.impute import SimpleImputer

    values = ["t", None, float("nan"), 3, np.int64(-4), True, np.True_, 2.5, np.float64(-0.125)]
    model = Pipeline([("impute", SimpleImputer()), ("model", Ridge())]).fit(
        np.eye(3), np.arange(3.0)
    )
    model[0].extra_ = np.array(values, dtype=object)
    back = _round_trip(model, tmp_path)
    got = back[0].extra_.tolist()
    assert [type(v) for v in got] == [type(v) for v in values]
    assert got[0] == "t" and got[1] is None and np.isnan(got[2]) and got[3:] == values[3:]


def test_columns_given_as_a_pandas_index_round_trip(tmp_path):
    """Regression: ``df.select_dtypes(...).columns`` (a pandas Index) was refused at save."""
    df = _sk_frame()
    X = df.drop(columns="target")
    model = _sk_pipeline(
        Ridge(), num_cols=X.select_dtypes("number").columns, cat_cols=X.columns[2:]
    ).fit(X, df["target"])
    back = _round_trip(model, tmp_path)
    for (_, _, cols), (_, _, cols_back) in zip(
        model[0].transformers_, back[0].transformers_, strict=True
    ):
        assert type(cols_back) is type(cols)
        if isinstance(cols, pd.Index):
            assert cols_back.equals(cols) and cols_back.dtype == cols.dtype
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


@pytest.mark.parametrize("dtype", [float, np.float32, int])
def test_type_valued_parameters_round_trip(dtype, tmp_path):
    """Regression: OneHotEncoder(dtype=float) (a builtin type) was refused at save."""
    df = _sk_frame()
    X = df.drop(columns="target")
    model = _sk_pipeline(Ridge(), dtype=dtype).fit(X, df["target"])
    back = _round_trip(model, tmp_path)
    assert back[0].transformers_[1][1]["onehot"].dtype is dtype
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_unsupported_attribute_value_is_named_at_save(tmp_path):
    df = _sk_frame()
    model = _sk_pipeline(Ridge()).fit(df.drop(columns="target"), df["target"])
    model[0].named_transformers_["num"]["scale"].notes_ = {1, 2}
    with pytest.raises(LinmlInputError, match=r"notes_ is builtins\.set, a type") as info:
        save(model, tmp_path / "m.npz")
    assert "allowed steps" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_sklearn_steps_do_not_need_linml_tabular(tmp_path, monkeypatch):
    """Without linml.tabular, scikit-learn steps save and load; its classes are refused."""
    df = _sk_frame()
    X = df.drop(columns="target")
    model = _sk_pipeline(Ridge()).fit(X, df["target"])
    monkeypatch.setitem(sys.modules, "linml.tabular", None)  # `import linml.tabular` fails
    back = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    path = tmp_path / "model.npz"
    with np.load(path, allow_pickle=False) as npz:
        members = {k: npz[k] for k in npz.files}
    meta = json.loads(members.pop("__linml__").tobytes())
    scaler = next(o for o in _objects(meta["pipeline"]) if o["cls"].endswith("StandardScaler"))
    scaler["cls"] = "linml.tabular.DateParts"
    with pytest.raises(LinmlInputError, match="not an allowed pipeline step"):
        load(_write(tmp_path / "tabular.npz", members, meta))


def _text_entries(tree):
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("__t__") == "text":
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@pytest.mark.parametrize(
    ("code", "match"), [(99, "codes other than 0 to 8"), (5, "is not a boolean"), (7, "number")]
)
def test_tampered_object_array_mask_is_refused(saved, tmp_path, code, match):
    def edit(meta, members):
        entry = next(_text_entries(meta["pipeline"]))
        members[entry["mask"]] = np.full_like(members[entry["mask"]], code)

    with pytest.raises(LinmlInputError, match=match):
        load(_tampered(saved, tmp_path, edit))
