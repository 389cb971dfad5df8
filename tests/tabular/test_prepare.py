"""prepare: column roles, missing values and the scikit-learn preprocessing pipeline."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from linml.exceptions import LinmlInputError
from linml.linear_model import LinearRegression, LogisticRegression
from linml.tabular import check_class_target, check_table, prepare, read_table


def roles(prep):
    return {r.name: r.role for r in prep.roles}


def test_penguins_roles(penguins_csv):
    prep = prepare(read_table(penguins_csv), "species", task="classify")
    assert roles(prep) == {
        "penguin_id": "identifier",
        "species": "target",
        "island": "categorical",
        "bill_length_mm": "numeric",
        "flipper_length_mm": "numeric",
        "body_mass_g": "numeric",
        "sex": "categorical",
        "date_egg": "date",
    }
    assert prep.imputed_cells == 5  # 2 bill lengths + 3 sexes
    assert "penguin_id" not in prep.X.columns
    by_name = {r.name: r for r in prep.roles}
    assert by_name["sex"].missing == 3 and "most-frequent-imputed" in by_name["sex"].action
    assert "named like an identifier" in by_name["penguin_id"].action


def test_pipeline_equals_hand_built_sklearn_pipeline(penguins):
    """The oracle: the same steps written directly with scikit-learn give the same features."""
    prep = prepare(penguins, "body_mass_g", task="regress", drop=["date_egg"])
    model = prep.pipeline(LinearRegression()).fit(prep.X, prep.y)
    num = ["bill_length_mm", "flipper_length_mm"]
    cat = ["species", "island", "sex"]
    X = penguins.drop(columns=["penguin_id", "date_egg", "body_mass_g"])
    ref = ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [
                        ("i", SimpleImputer(strategy="median", add_indicator=True)),
                        ("s", StandardScaler()),
                    ]
                ),
                num,
            ),
            (
                "cat",
                Pipeline(
                    [
                        ("i", SimpleImputer(strategy="most_frequent")),
                        ("o", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                cat,
            ),
            ("flag", MissingIndicator(), ["sex"]),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    want = ref.fit_transform(X)
    got = model[0].transform(prep.X)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=1e-12, atol=1e-12)
    assert list(model[-1].feature_names_in_) == list(want.columns)


def test_predict_on_unseen_category_and_extra_columns(penguins):
    prep = prepare(penguins, "species", task="classify")
    model = prep.pipeline(LogisticRegression()).fit(prep.X, prep.y)
    new = penguins.head(5).drop(columns=["species"]).assign(extra=1)
    new.loc[0, "island"] = "Atlantis"  # unseen: all-zero one-hot columns
    X = check_table(model, new)
    assert list(X.columns) == list(prep.X.columns)
    assert model.predict(X).shape == (5,)
    assert set(model.predict(X)) <= {"Adelie", "Gentoo", "Chinstrap"}


def test_missing_column_at_predict_is_named(penguins):
    prep = prepare(penguins, "species", task="classify")
    model = prep.pipeline(LogisticRegression()).fit(prep.X, prep.y)
    with pytest.raises(
        LinmlInputError, match=r"column\(s\) 'island' used by the model are missing"
    ):
        check_table(model, penguins.drop(columns=["island"]))


def test_missing_error_names_file_line_and_column(penguins_csv):
    df = read_table(penguins_csv)
    with pytest.raises(LinmlInputError, match=r"line 5, column 'bill_length_mm'"):
        prepare(df, "species", missing="error")


def test_missing_drop_drops_rows_and_predict_refuses_nan(penguins_csv):
    df = read_table(penguins_csv)
    prep = prepare(df, "species", task="classify", missing="drop")
    assert prep.dropped_rows["missing features"] == [5, 10, 13, 22]
    assert len(prep.X) == len(df) - 4 and len(prep.y) == len(prep.X)
    model = prep.pipeline(LogisticRegression()).fit(prep.X, prep.y)
    with pytest.raises(
        LinmlInputError, match=r"line 5, column 'bill_length_mm'.*without imputation"
    ):
        check_table(model, df)


def test_rows_without_target_are_dropped_and_counted(penguins):
    df = penguins.copy()
    df.loc[[0, 7], "body_mass_g"] = np.nan
    prep = prepare(df, "body_mass_g", task="regress")
    assert prep.dropped_rows["missing target"] == [0, 7]
    assert len(prep.y) == len(df) - 2 and not np.isnan(prep.y).any()
    assert any("without a target" in note for note in prep.notes)


def test_numbers_with_stray_text_are_parsed(tmp_path):
    path = tmp_path / "cars.csv"
    rows = ["name,horsepower,mpg"] + [
        f"car {i},{'?' if i == 4 else 90 + i},{20 + i % 7}" for i in range(30)
    ]
    path.write_text("\n".join(rows) + "\n")
    prep = prepare(read_table(path), "mpg", task="regress")
    by_name = {r.name: r for r in prep.roles}
    assert by_name["horsepower"].role == "numeric" and "'?'" in by_name["horsepower"].action
    assert by_name["name"].role == "identifier"
    assert prep.imputed_cells == 1
    model = prep.pipeline(LinearRegression()).fit(prep.X, prep.y)
    assert np.isfinite(model.predict(prep.X)).all()


def test_dates_become_parts(penguins):
    prep = prepare(penguins, "body_mass_g", task="regress", features=["date_egg"])
    model = prep.pipeline(LinearRegression()).fit(prep.X, prep.y)
    names = list(model[0].get_feature_names_out())
    assert names == ["date_egg_year", "date_egg_month", "date_egg_day", "date_egg_weekday"]


def test_overrides_drop_features_categorical(penguins):
    df = penguins.assign(code=np.arange(len(penguins)) % 3)
    prep = prepare(df, "body_mass_g", drop=["island"], categorical=["code"])
    r = roles(prep)
    assert r["island"] == "dropped" and r["code"] == "categorical"
    only = prepare(df, "body_mass_g", features=["penguin_id", "bill_length_mm"])
    assert roles(only)["penguin_id"] == "categorical"  # asked for, so not dropped as an id
    assert roles(only)["island"] == "dropped"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "nope"}, "target column 'nope' not found; the columns are: penguin_id"),
        ({"target": "species", "drop": ["zzz"]}, r"drop column\(s\) 'zzz' not found"),
        ({"target": "species", "drop": ["species"]}, "cannot also be listed in drop"),
        ({"target": "species", "missing": "fill"}, "missing='fill' must be one of impute"),
        ({"target": "bill_length_mm", "task": "classify"}, "looks continuous"),
        (
            {"target": "species", "task": "regress"},
            r"'species' is not numeric \(row 0 holds '",
        ),
        (
            {"target": "species", "features": ["penguin_id"], "drop": ["penguin_id"]},
            "no feature columns left",
        ),
    ],
)
def test_bad_requests(penguins, kwargs, message):
    with pytest.raises(LinmlInputError, match=message):
        prepare(penguins, **kwargs)


def test_class_target_rule():
    check_class_target(pd.Series([1.0, 2.0, 3.0] * 30))  # whole numbers, few values
    check_class_target(pd.Series(["a", "b"]))
    with pytest.raises(LinmlInputError, match="214 distinct values"):
        check_class_target(pd.Series(np.arange(214)))


def test_classify_target_float_codes_become_ints(penguins):
    df = penguins.assign(label=np.where(penguins["species"] == "Adelie", 1.0, 0.0))
    prep = prepare(df, "label", task="classify", drop=["species"])
    assert prep.y.dtype == np.int64


def test_to_dict_is_json_ready(penguins_csv):
    import json

    prep = prepare(read_table(penguins_csv), "species")
    payload = json.loads(json.dumps(prep.to_dict()))
    assert payload["n_rows"] == 60 and payload["imputed_cells"] == 5
    assert {r["role"] for r in payload["roles"]} == {
        "identifier",
        "target",
        "categorical",
        "numeric",
        "date",
    }


def test_free_text_and_row_numbers_are_identifiers():
    n = 40
    df = pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "comment": [f"this is comment number {i} about the sample" for i in range(n)],
            "x": np.linspace(0, 1, n),
            "y": np.arange(n) % 2,
        }
    )
    r = roles(prepare(df, "y"))
    assert r["row"] == "identifier" and r["comment"] == "identifier" and r["x"] == "numeric"


def test_drop_first_makes_one_hot_full_rank_for_ols(penguins):
    import warnings

    prep = prepare(penguins, "body_mass_g", task="regress", drop=["date_egg"], drop_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = prep.pipeline(LinearRegression()).fit(prep.X, prep.y)
    names = list(model[0].get_feature_names_out())
    assert "species_Adelie" not in names and "species_Gentoo" in names
    assert model[-1].rank_ == len(names)


def test_property_output_is_finite_and_row_aligned():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=30, deadline=None)
    @given(st.integers(12, 40), st.integers(0, 2**32 - 1))
    def check(n, seed):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=n)
        x[rng.random(n) < 0.2] = np.nan
        c = rng.choice(["a", "b", "c"], n).astype(object)
        c[rng.random(n) < 0.2] = np.nan
        df = pd.DataFrame({"x": x, "c": c, "y": rng.normal(size=n)})
        df.loc[0, "x"] = 0.5  # at least one present value per column
        df.loc[0, "c"] = "a"
        prep = prepare(df, "y", task="regress")
        out = prep.pipeline(LinearRegression())[0].fit_transform(prep.X)
        assert out.shape[0] == n and np.isfinite(out.to_numpy(float)).all()
        assert prep.imputed_cells == int(df[["x", "c"]].isna().sum().sum())
        assert list(out.index) == list(df.index)

    check()


@pytest.mark.parametrize(
    ("name", "is_id"),
    [
        ("patient_id", True),
        ("ID", True),
        ("userId", True),
        ("customerID", True),
        ("Unnamed: 0", True),
        ("malic_acid", False),  # wine's column: 'cid' is not 'Id'
        ("paid", False),
        ("acid", False),
    ],
)
def test_identifier_names(name, is_id):
    df = pd.DataFrame({name: np.linspace(0, 1, 12) ** 2, "x": np.ones(12), "y": np.arange(12.0)})
    assert (roles(prepare(df, "y"))[name] == "identifier") is is_id
