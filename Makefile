# Two commands work on a fresh machine with only python3 and pip:
#   make run   - create .venv, install, scan the sample list, print the summary
#   make test  - create .venv, install with test extras, run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-all bench sample clean browser

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

# The browser tests open report.html in Debian's Chromium (driven by Playwright) and need a
# CJK font, or Chinese renders as boxes. Installed here when missing; a failed install
# stops `make test` with apt's message (the tests themselves fail loudly without them).
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if [ -x /usr/bin/chromium ] && fc-list ':lang=zh' 2>/dev/null | grep -q 'WenQuanYi Micro Hei'; then \
		echo "browser: chromium and fonts-wqy-microhei present"; \
	else \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
		echo "browser: installing $(BROWSER_PACKAGES) with apt-get"; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) || \
		{ echo "browser: could not install $(BROWSER_PACKAGES); the browser tests will fail" >&2; exit 1; }; \
	fi

test: $(STAMP) browser
	$(PY) -m pytest -q

test-all: $(STAMP) browser
	$(PY) -m pytest -q -m ''

bench: $(STAMP)
	$(PY) bench/bench_normalize.py
	@if [ -f bench/bench_scan.py ]; then $(PY) bench/bench_scan.py; fi
	$(PY) bench/bench_review.py

sample: $(STAMP)
	$(PY) sample_data/generate.py

clean:
	rm -rf $(VENV) scan-out .pytest_cache
