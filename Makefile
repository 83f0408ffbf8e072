# The two commands a newcomer runs: `make up` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down test lint bench chaos deps build clean fuzz wheel hosts hosts-down test-hosts test-playbooks test-playbooks-full

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

deps:
	bash hack/install-deps.sh

build: $(STAMP)
	$(BIN)/python setup.py -q build_ext --inplace

up: deps build
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	bash hack/registry.sh start
	$(BIN)/kube images build
	$(BIN)/kube up

down:
	@test -x $(BIN)/kube && $(BIN)/kube down || true
	@bash hack/registry.sh stop

test: deps build
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	$(BIN)/ruff check kube tests roles
	$(BIN)/python -m pytest $(PYTEST_ARGS)

ROUNDS ?= 20
chaos: deps build
	CHAOS_ROUNDS=$(ROUNDS) $(BIN)/python -m pytest tests/chaos -m chaos $(PYTEST_ARGS)

# The long fuzz run (CI runs the same tests with a small budget inside `make test`).
FUZZ_EXAMPLES ?= 2000
FUZZ_API_EXAMPLES ?= 50
fuzz: build
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) $(BIN)/python -m pytest -m fuzz --durations=10 $(PYTEST_ARGS)

# dist/kube-<version>-cp311-*.whl with the Cython kernels; KUBE_VERSION=x.y.z stamps another version.
DIST ?= dist
wheel: $(STAMP)
	rm -rf build/wheel
	DIST_EXTRA_CONFIG=hack/wheel-build.cfg $(BIN)/pip wheel -q --no-deps --no-build-isolation -w $(DIST) .
	@ls -1t $(DIST)/kube-*.whl | head -1

# N systemd test hosts (Docker inside, SSH keys, .hosts/hosts.yml); docs/hosts.md says how.
HOSTS ?= 3
hosts: deps
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	$(PY) hack/hosts/hosts.py up --count $(HOSTS)

hosts-down:
	$(PY) hack/hosts/hosts.py down

# The host tests (slow: the image, the hosts, the wheel); not part of `make test`.
test-hosts: deps $(STAMP)
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	$(BIN)/python -m pytest -m hosts $(PYTEST_ARGS)

# The playbooks on 3 etcd+masters and 3 minions (site, re-run, reset, scale, upgrade); not in `make test`.
test-playbooks: deps $(STAMP)
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	$(BIN)/python -m pytest -m playbooks tests/playbooks $(PYTEST_ARGS)

# The same, then the failed upgrade with rollback, rotate-certs, backup and restore,
# remove-node (not CI: tens of minutes) on the same 3 etcd+masters and 3 minions.
test-playbooks-full: deps $(STAMP)
	bash hack/start-dockerd.sh
	bash hack/blackhole-routes.sh
	PLAYBOOKS_FULL=1 $(BIN)/python -m pytest -m playbooks tests/playbooks $(PYTEST_ARGS)

bench: build
	$(BIN)/python -m pytest tests/bench --benchmark-enable

lint: $(STAMP)
	$(BIN)/ruff check kube tests roles
	$(BIN)/yamllint --strict -c tests/playbooks/yamllint.yml playbooks roles inventory
	$(BIN)/ansible-lint -c tests/playbooks/ansible-lint.yml playbooks roles inventory

clean:
	rm -rf build kube/_fast/*.c kube/_fast/*.cpp kube/_fast/*.so
