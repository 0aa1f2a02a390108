"""Emit: report.json, rows.parquet, contactable.csv, vault, terminal summary."""
