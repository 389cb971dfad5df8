"""Figures (matplotlib, Agg) and the HTML tour. Sits on top: nothing below imports it."""
