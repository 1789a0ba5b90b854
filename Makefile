# Two commands: `make run` (everything, with simulators) and `make test` (everything, then every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install peer web run test bench lint browser infra-up infra-down infra-status clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)  ## venv with the pinned dependencies (reused while pyproject.toml is unchanged)

# The benchmark's peer (Quix Streams) pins pydantic below ours: it gets an environment of its own.
PEER_STAMP := .venv-peer/.installed-$(shell cksum bench/peers/requirements.txt | cut -d' ' -f1)
$(PEER_STAMP): bench/peers/requirements.txt
	test -x .venv-peer/bin/python || $(PYTHON) -m venv .venv-peer
	.venv-peer/bin/python -m pip install -q -r bench/peers/requirements.txt
	rm -f .venv-peer/.installed-* && touch $(PEER_STAMP)

peer: $(PEER_STAMP)

# The web app (dashboard/web, Vite + TypeScript): npm ci when the lock file changed, a build when a source did.
WEB      := dashboard/web
WEB_DEPS := $(WEB)/node_modules/.installed
$(WEB_DEPS): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_DEPS)
$(WEB)/dist/index.html: $(WEB_DEPS) $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json -type f 2>/dev/null)
	cd $(WEB) && npm run build --silent

web: $(WEB)/dist/index.html  ## build the dashboard's web app (needs Node.js 20 and npm)

run: install web  ## local Kafka + TimescaleDB (unless IOC_KAFKA_BOOTSTRAP / IOC_DATABASE_URL), worker, dashboard, simulators
	$(BIN)/ioc run

lint: install $(WEB_DEPS)
	$(BIN)/ruff check ioc streams alerts dashboard simulators bench tests
	$(BIN)/ruff format --check ioc streams alerts dashboard simulators bench tests
	$(BIN)/mypy
	cd $(WEB) && npx tsc --noEmit

browser:  ## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser)
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

test: install peer web lint browser  ## the whole suite against real Kafka and TimescaleDB started for the tests (.ioc-test/)
	cd $(WEB) && npm test --silent  # the web app's unit tests (vitest)
	$(BIN)/pytest

# Its own local services (.ioc-bench/, other ports) so a running `make run` neither disturbs nor is disturbed.
BENCH_ENV := IOC_HOME=.ioc-bench IOC_KAFKA_PORT=39092 IOC_KAFKA_CONTROLLER_PORT=39093 IOC_PG_PORT=56432 IOC_DASHBOARD_PORT=8288 IOC_MQTT_BRIDGE=false
bench: install peer  ## ceilings, drain, peer, steady latency, fan-out, scale-out; table + bench/results/*.json
	$(BENCH_ENV) $(BIN)/ioc bench $(BENCH_ARGS)

infra-up: install
	$(BIN)/ioc infra up

infra-down: install
	$(BIN)/ioc infra down

infra-status: install
	$(BIN)/ioc infra status

clean:  ## stop local infra and remove the venv and all local data
	-test -x $(BIN)/ioc && $(BIN)/ioc infra down
	-test -x $(BIN)/ioc && $(BENCH_ENV) $(BIN)/ioc infra down
	rm -rf $(VENV) .venv-peer .ioc .ioc-test .ioc-bench $(WEB)/node_modules $(WEB)/dist
