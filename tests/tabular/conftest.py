"""Small real-shaped tables: strings, NaN, an ID column, dates, semicolons, no header, BOM."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine


def penguins_like(n=60, seed=0):
    """A palmerpenguins-shaped frame: species, island, sex (with NaN), measures (with NaN), ids."""
    rng = np.random.default_rng(seed)
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n)
    base = {"Adelie": 38.8, "Gentoo": 47.5, "Chinstrap": 48.8}
    bill = np.array([base[s] for s in species]) + rng.normal(0, 1.5, n)
    flipper = np.where(species == "Gentoo", 217.0, 192.0) + rng.normal(0, 5, n)
    mass = 20 * flipper - 200 + rng.normal(0, 150, n)
    frame = pd.DataFrame(
        {
            "penguin_id": [f"P{i:04d}" for i in range(n)],
            "species": species,
            "island": rng.choice(["Biscoe", "Dream", "Torgersen"], n),
            "bill_length_mm": bill.round(1),
            "flipper_length_mm": flipper.round(0),
            "body_mass_g": mass.round(0),
            "sex": rng.choice(["male", "female"], n).astype(object),
            "date_egg": pd.date_range("2007-11-09", periods=n, freq="D").strftime("%Y-%m-%d"),
        }
    )
    frame.loc[[3, 11], "bill_length_mm"] = np.nan
    frame.loc[[3, 8, 20], "sex"] = np.nan
    return frame


@pytest.fixture
def penguins():
    return penguins_like()


@pytest.fixture
def penguins_csv(tmp_path, penguins):
    path = tmp_path / "penguins.csv"
    penguins.to_csv(path, index=False)
    return path


@pytest.fixture
def wine_frame():
    return load_wine(as_frame=True).frame
