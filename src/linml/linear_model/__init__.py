"""linml.linear_model."""

# sparse linear models (ℓ1 / elastic net by coordinate descent)
from linml.linear_model._path import enet_path, lasso_path
from linml.linear_model.elastic_net import ElasticNet
from linml.linear_model.elastic_net_cv import ElasticNetCV
from linml.linear_model.lasso import Lasso
from linml.linear_model.lasso_cv import LassoCV

# least squares (OLS by cholesky/qr/svd/gd, ridge, ridge with LOO/GCV)
from linml.linear_model.linear_regression import LinearRegression

# classification (log-loss by Newton/IRLS or L-BFGS)
from linml.linear_model.logistic_regression import LogisticRegression
from linml.linear_model.logistic_regression_cv import LogisticRegressionCV
from linml.linear_model.ridge import Ridge
from linml.linear_model.ridge_cv import RidgeCV

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LinearRegression",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
]
