"""Data generators and loaders (CSV / Parquet / NPZ tables)."""

from linml.datasets.loaders import load_table, table_to_xy

__all__ = ["load_table", "table_to_xy"]
