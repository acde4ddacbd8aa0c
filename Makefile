# The two commands: `make run` (set up, start the server on the bundled world) and
# `make test` (set up, run the whole test suite). Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Root installs system packages directly; anyone else goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint clean system-packages bench

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/twistd --nodaemon --pidfile= mud

# Debian packages the end-to-end tests drive, as package:command. chromium for the browser
# tests (Playwright never downloads one); iproute2 for the network namespaces that make a
# half-open connection; tintin++ (tt++), a real MUD client for the telnet option tests;
# redis-server and postgresql, which the realm tests start privately on loopback ports
# (Debian keeps PostgreSQL's programs off PATH, in /usr/lib/postgresql/<version>/bin).
SYSTEM_PACKAGES := chromium:chromium iproute2:ip tintin++:tt++ redis-server:redis-server \
	postgresql:pg_ctl

system-packages:
	@missing=""; \
	for pair in $(SYSTEM_PACKAGES); do \
	  command -v "$${pair#*:}" >/dev/null 2>&1 || [ -x "/usr/sbin/$${pair#*:}" ] || \
	    [ -x "/usr/games/$${pair#*:}" ] || \
	    ls /usr/lib/postgresql/*/bin/$${pair#*:} >/dev/null 2>&1 || missing="$$missing $${pair%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

test: $(STAMP) system-packages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Emberfall, Evennia (its own venv under .bench/) and a bare-Twisted echo server under the
# same load; writes docs/capacity.md. Not part of `make test` (held to 14 minutes).
# BENCH_ARGS="--quick" is a smoke run into .bench/capacity-quick.md.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench.capacity $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
