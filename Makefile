# Two commands: `make demo` and `make test`. Both create the virtualenv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-all-test

.PHONY: install demo test lint bench docs-data docs docs-check docs-serve clean

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
	@echo "==> Documentation site (strict build, an API page for every export)"
	$(MAKE) --no-print-directory docs
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

# The documentation site, built offline into site/ (docs/_site/hooks.py
# generates the home page, the API reference and the navigation). The build
# is strict: a broken link or anchor, an unknown reference or a docstring
# warning fails it. The backend only serves `import kerastricks`, which
# lists the exports.
DOCS_ENV := KERAS_BACKEND=$${KERAS_BACKEND:-jax} NO_MKDOCS_2_WARNING=1
docs: $(STAMP)
	$(DOCS_ENV) $(PY) -m mkdocs build --strict --site-dir site
	$(DOCS_ENV) $(PY) docs/_site/check_build.py site

# Opens the home page and an API page in headless Chromium (Debian's
# `chromium` package) and keeps the screenshots in site-check/.
docs-check: docs
	bash shell/check_site.sh $(PY) site site-check

# Search needs the site served over HTTP (no network is needed).
docs-serve: docs
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory site

clean:
	rm -rf $(VENV) build dist *.egg-info site site-check
