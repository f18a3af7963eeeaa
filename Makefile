# The two set-up commands: `make run` (the main job on the embedded data) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
AW := $(VENV)/bin/aidwatch

.PHONY: install run test lint data clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(AW) report --out aidwatch-brief

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# Regenerate the derived CSV files of the evidence base from ../shared/data (maintainers).
data: install
	$(PY) scripts/build_embedded_data.py
	$(AW) data validate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache aidwatch-brief aidwatch-export test-artifacts
