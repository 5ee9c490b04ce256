# 政策通 — make help lists every target.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore
export PYTHONPATH := $(CURDIR)
MODEL := models/policy-qa.tar.gz
WEBCHAT_DEPS := web/node_modules/.package-lock.json
TRAINING_INPUTS := config.yml domain.yml $(shell find data knowledge -type f 2>/dev/null) $(wildcard bot/knowledge_importer.py bot/nlu_normalizer.py)

.DEFAULT_GOAL := help
.PHONY: help install lock train validate lint format test-deps run actions shell agent agent-remove agent-disable agent-enable test test-unit bench bench-desk bench-smoke soak webchat-deps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

install: $(VENV)/.installed $(WEBCHAT_DEPS) ## Create the virtual environment from the lock file and install the web chat's npm files

webchat-deps: $(WEBCHAT_DEPS) ## Install the web chat page's client files from web/package-lock.json (npm ci)

$(WEBCHAT_DEPS): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

$(VENV)/.installed: requirements/lock.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip==24.2
	# Rasa 3.6 declares Python <3.11 but runs on 3.11: dependencies from the full lock, then Rasa itself.
	$(VENV)/bin/pip install --quiet --no-deps -r requirements/lock.txt
	$(VENV)/bin/pip install --quiet --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
	touch $@

lock: ## Re-resolve requirements/rasa-deps.in into requirements/lock.txt
	rm -rf /tmp/policy-lock-venv && python3 -m venv /tmp/policy-lock-venv
	/tmp/policy-lock-venv/bin/pip install --quiet pip==24.2 && /tmp/policy-lock-venv/bin/pip install --quiet -r requirements/rasa-deps.in
	(echo "# Full lock of the virtual environment (pip freeze), installed with --no-deps. Regenerate: make lock"; \
	 /tmp/policy-lock-venv/bin/pip freeze) > requirements/lock.txt

train: $(MODEL) ## Train the model (only when data, domain or config changed)

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$(RASA) train --fixed-model-name policy-qa --out models

validate: $(VENV)/.installed ## Check the knowledge files (errors name file and entry, law citations) and Rasa's data
	$(PY) -m policy_core.validate
	$(RASA) data validate --fail-on-warnings

lint: $(VENV)/.installed ## Ruff lint and format check (settings in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed ## Apply Ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-deps: ## Install the tests' Debian packages when missing (Chromium and driver, PostgreSQL, Redis)
	bash tests/install_deps.sh

run: $(MODEL) $(WEBCHAT_DEPS) ## Run the action server and the Rasa server (REST + token-protected HTTP API) on localhost:5005
	$(PY) -m bot.run

actions: $(VENV)/.installed ## Run only the action server on 127.0.0.1:5055 (ACTIONS_HOST, ACTION_SERVER_TOKEN)
	$(PY) -m bot.action_server --actions actions

shell: $(MODEL) ## Chat with the assistant in the terminal
	$(PY) -m bot.run --shell

test: test-deps lint $(MODEL) $(WEBCHAT_DEPS) ## Set up and run the whole suite (lint, unit, data, held-out sets, end-to-end)
	$(PY) -m pytest

test-unit: $(VENV)/.installed $(WEBCHAT_DEPS) ## Run the fast tests only (no trained model needed)
	$(PY) -m pytest -m "not model"

bench: $(MODEL) ## Run the full benchmark (NLU, conversations, speed vs the starter bot, resources; ~45 min), update README
	$(PY) -m bench

bench-desk: $(MODEL) ## The human desk under load (~1 min): console list latency with 1,000 tickets, residents during a login flood
	$(PY) -m bench.desk

bench-smoke: $(MODEL) ## Run the short benchmark smoke test (~1 min) into bench/results/tmp/smoke
	$(PY) -m bench --smoke

soak: $(MODEL) ## Mixed load for 30 min (SOAK_SECONDS=…): errors, p50/p95 latency, RSS growth into results/soak/
	$(PY) -m bench.soak

agent: $(VENV)/.installed ## Add an agent console account or change its password (ends its sessions): make agent NAME=wang [ROLE=supervisor|operator]
	@test -n "$(NAME)" || { echo "usage: make agent NAME=<username> [DISPLAY=显示名] [ROLE=supervisor|operator]"; exit 2; }
	$(PY) -m bot.console.accounts add "$(NAME)" $(if $(DISPLAY),--name "$(DISPLAY)") $(if $(ROLE),--role "$(ROLE)")

agent-remove: $(VENV)/.installed ## Remove an agent account and end its sessions: make agent-remove NAME=wang
	@test -n "$(NAME)" || { echo "usage: make agent-remove NAME=<username>"; exit 2; }
	$(PY) -m bot.console.accounts remove "$(NAME)"

agent-disable: $(VENV)/.installed ## Disable an agent account and end its sessions: make agent-disable NAME=wang
	@test -n "$(NAME)" || { echo "usage: make agent-disable NAME=<username>"; exit 2; }
	$(PY) -m bot.console.accounts disable "$(NAME)"

agent-enable: $(VENV)/.installed ## Enable a disabled agent account again: make agent-enable NAME=wang
	@test -n "$(NAME)" || { echo "usage: make agent-enable NAME=<username>"; exit 2; }
	$(PY) -m bot.console.accounts enable "$(NAME)"

clean: ## Remove trained models and local databases
	rm -rf models var results
