# Two commands: `make demo` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-all-test

.PHONY: install demo test lint bench docs-data clean

$(STAMP): setup.cfg pyproject.toml
	@echo "==> Creating virtualenv $(VENV) and installing kerastricks[all,test] (editable)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[all,test]"
	@$(PY) -c "import keras, kerastricks; print('==> keras', keras.__version__, '| kerastricks', kerastricks.__version__)"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "==> Demo (offline): the main recipe comparison on embedded data"
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m kerastricks.recipes.demo

test: $(STAMP)
	@echo "==> Lint (ruff)"
	$(VENV)/bin/ruff check kerastricks recipes tests benchmarks conftest.py
	@echo "==> Packaging check (wheel contents, import from outside the repo)"
	bash shell/check_package.sh $(PY)
	@echo "==> Test suite on every backend"
	bash shell/test_backends.sh $(PY)

lint: $(STAMP)
	$(VENV)/bin/ruff check kerastricks recipes tests benchmarks conftest.py

# The speed benchmarks (ratios against baselines in the same run); the
# fidelity and convergence ones take longer: see docs/benchmarks.md. Each
# writes its record to benchmarks/results/; `make docs-data` then rewrites
# the generated numbers of the docs from the records.
bench: $(STAMP)
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m kerastricks bench optimizer_step
	KERAS_BACKEND=$${KERAS_BACKEND:-jax} $(PY) -m kerastricks bench training_step
	KERAS_BACKEND=jax $(PY) -m kerastricks bench recipe_throughput

docs-data: $(STAMP)
	$(PY) -m benchmarks._render_docs

clean:
	rm -rf $(VENV) build dist *.egg-info
