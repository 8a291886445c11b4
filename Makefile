# Serverless Lab — `make run` starts the app, `make test` checks everything CI checks.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

CARGO ?= cargo
# The desktop app is always built to serve ui/dist from its binary (see src-tauri/Cargo.toml).
APP_FEATURES := --features serverless-lab/custom-protocol
HAS_DISPLAY := $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY)),yes,)
# The AWS CLI and boto3 the tests drive the sandbox with (installed by .ci/install-deps test).
PYTHON_TOOLS ?= $(or $(SERVERLESS_LAB_PYTHON_TOOLS),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/serverless-lab/python)
export SERVERLESS_LAB_PYTHON_TOOLS := $(PYTHON_TOOLS)
# Desktop tests need a display; without one they run inside a virtual X server.
XVFB := $(if $(HAS_DISPLAY),,xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp")

# The Lambda functions under lambda/ (each crate with a src/main.rs) and where their zips go.
LAMBDA_FUNCTIONS := $(patsubst lambda/%/src/main.rs,%,$(wildcard lambda/*/src/main.rs))
LAMBDA_DIR := target/lambda

.PHONY: test-aws run test deps deps-test ui ui-check ui-test fmt fmt-check clippy nextest e2e fuzz bindings bench bench-peers lab lambdas

## run: install what is missing, build, and start the desktop app (the terminal walkthrough without a display)
run:
ifeq ($(HAS_DISPLAY),yes)
	.ci/install-deps run
	$(MAKE) --no-print-directory ui
	$(MAKE) --no-print-directory lambdas
	$(CARGO) run -p serverless-lab $(APP_FEATURES)
else
	@echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop window cannot open."
	@echo "Running lesson 1 in the terminal instead, against the built-in sandbox."
	@echo
	$(MAKE) --no-print-directory lambdas
	$(CARGO) run --quiet -p lab-cli --bin lab -- run crud-http-api
	@echo
	@echo "Next: 'cargo run -p lab-cli --bin lab -- status', '... -- teardown', '... -- lessons',"
	@echo "or 'lab sandbox' in one terminal and 'lab run crud-http-api --endpoint http://127.0.0.1:4566'"
	@echo "in another to keep the API running for the try-it requests."
endif

## test: everything CI checks — formatting, lints, UI checks, fuzzing, Rust tests (unit, integration, desktop e2e)
test: deps-test
	$(MAKE) --no-print-directory ui
	$(MAKE) --no-print-directory fmt-check
	$(MAKE) --no-print-directory clippy
	$(MAKE) --no-print-directory ui-check ui-test
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory lambdas
	$(MAKE) --no-print-directory nextest

deps:
	.ci/install-deps run

deps-test:
	.ci/install-deps test

## ui: build the frontend into ui/dist (the app binary embeds it)
ui:
	cd ui && npm run build --silent

ui-check:
	cd ui && npm run check

ui-test:
	cd ui && npm test

fmt:
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets $(APP_FEATURES) -- -D warnings

## nextest: every Rust test, the desktop end-to-end test included
nextest:
	$(XVFB) $(CARGO) nextest run --workspace $(APP_FEATURES)

## e2e: only the desktop end-to-end test
e2e: ui
	$(XVFB) $(CARGO) nextest run -p serverless-lab $(APP_FEATURES) --test e2e --no-capture

## fuzz: run every fuzz target of the sandbox's parsers for FUZZ_SECONDS each (AddressSanitizer),
## from seed corpora that include inputs 10^5 levels deep
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := expressions expression_shapes requests templates s3
FUZZ_TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/fuzz
# cargo-fuzz passes -Z flags (the sanitizer); RUSTC_BOOTSTRAP lets the stable toolchain accept them.
fuzz:
	python3 src-tauri/crates/sandbox/fuzz/deep_seeds.py
	cd src-tauri/crates/sandbox && for target in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$target for $(FUZZ_SECONDS)s"; \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --target-dir $(FUZZ_TARGET_DIR) $$target -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -n 25 || exit 1; \
	done

## test-aws: lesson 1 against a real AWS account (creates and removes real resources; needs credentials)
test-aws: lambdas
	TEST_TARGET=aws $(CARGO) nextest run -p lab-cli --run-ignored only -E 'test(real_aws)' --no-capture

## bindings: regenerate the UI's TypeScript types from the Rust contract
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test --quiet -p lab-contract committed_bindings_are_fresh

BENCH_PEERS ?= $(CURDIR)/target/bench-peers
DYNALITE_VERSION := 4.0.0
MOTO_VERSION := 5.2.5

## bench-peers: the other DynamoDB emulators the benchmark measures beside the sandbox (dynalite from npm, moto's server from PyPI), under target/bench-peers
bench-peers:
	@mkdir -p $(BENCH_PEERS)
	@[ -f $(BENCH_PEERS)/node_modules/dynalite/cli.js ] || npm install --no-save --no-audit --no-fund --prefix $(BENCH_PEERS) dynalite@$(DYNALITE_VERSION)
	@[ -x $(BENCH_PEERS)/venv/bin/moto_server ] || { python3 -m venv $(BENCH_PEERS)/venv && $(BENCH_PEERS)/venv/bin/pip install --quiet "moto[server]==$(MOTO_VERSION)"; }

## bench: the sandbox's DynamoDB (beside dynalite and moto), Lambda, API Gateway and WebSocket broadcast against floors measured in the same run, lesson 1's provision/teardown times, and the load tester beside wrk (release build)
bench: lambdas bench-peers
	BENCH_PEERS=$(BENCH_PEERS) \
	$(CARGO) bench -p lab-sandbox --bench dynamodb
	$(CARGO) bench -p lab-sandbox --bench lambda
	$(CARGO) bench -p lab-sandbox --bench apigw
	$(CARGO) bench -p lab-sandbox --bench websocket
	$(CARGO) bench -p lab-sandbox --bench heavy
	$(CARGO) bench -p lab-cli --bench lesson
	@command -v wrk >/dev/null || echo "wrk is not installed (apt-get install wrk): the load tester's bench runs without its comparison"
	$(CARGO) bench -p lab-engine --bench load

## lambdas: package every Lambda function for AWS and the sandbox: target/lambda/<name>/bootstrap.zip
# cargo-lambda links with zig against an old glibc, so the same zip loads on Amazon Linux 2023
# (provided.al2023) and on this machine. It is installed with pip beside the AWS CLI.
lambdas:
	.ci/install-deps lambdas
	PATH="$(PYTHON_TOOLS)/bin:$$PATH" $(CARGO) lambda build --release --x86-64 --output-format zip \
	  --lambda-dir $(LAMBDA_DIR) $(addprefix -p ,$(LAMBDA_FUNCTIONS))
	@for name in $(LAMBDA_FUNCTIONS); do echo "packaged $(LAMBDA_DIR)/$$name/bootstrap.zip"; done

## lab: build the CLI at target/release/lab
lab:
	$(CARGO) build --release --bin lab
