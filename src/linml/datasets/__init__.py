"""Data generators and loaders (CSV / Parquet / NPZ tables, shipped word vectors)."""

from linml.datasets.embeddings import load_word_vectors
from linml.datasets.glove import load_glove
from linml.datasets.loaders import load_table, table_to_xy

__all__ = ["load_glove", "load_table", "load_word_vectors", "table_to_xy"]
