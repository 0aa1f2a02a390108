# Two commands work on a fresh machine with only python3 and pip:
#   make run   - create .venv, install, scan the sample list, print the summary
#   make test  - create .venv, install with test extras, run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-all bench sample clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/contact-scanner scan sample_data/crm_export_gb18030.csv \
		--policy sample_data/policy.toml --suppress sample_data/suppression.csv \
		--out scan-out --state-dir .contact-scanner --as-of 2026-11-23 --fail-on never --no-progress
	@echo "report: scan-out/report.json   rows: scan-out/rows.parquet   contactable: scan-out/contactable.csv"

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

bench: $(STAMP)
	$(PY) bench/bench_normalize.py
	@if [ -f bench/bench_scan.py ]; then $(PY) bench/bench_scan.py; fi

sample: $(STAMP)
	$(PY) sample_data/generate.py

clean:
	rm -rf $(VENV) scan-out .pytest_cache
