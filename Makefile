# Two commands: `make run` (everything, with simulators) and `make test` (everything, then every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint browser infra-up infra-down infra-status clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)  ## venv with the pinned dependencies (reused while pyproject.toml is unchanged)

run: install  ## local Kafka + TimescaleDB (unless IOC_KAFKA_BOOTSTRAP / IOC_DATABASE_URL), worker, dashboard, simulators
	$(BIN)/ioc run

lint: install
	$(BIN)/ruff check ioc streams alerts dashboard simulators tests
	$(BIN)/ruff format --check ioc streams alerts dashboard simulators tests
	$(BIN)/mypy

browser:  ## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser)
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

test: install lint browser  ## the whole suite against real Kafka and TimescaleDB started for the tests (.ioc-test/)
	$(BIN)/pytest

infra-up: install
	$(BIN)/ioc infra up

infra-down: install
	$(BIN)/ioc infra down

infra-status: install
	$(BIN)/ioc infra status

clean:  ## stop local infra and remove the venv and all local data
	-test -x $(BIN)/ioc && $(BIN)/ioc infra down
	rm -rf $(VENV) .ioc .ioc-test
