# The two commands a new developer needs; each installs what it lacks on first use.
.PHONY: run test e2e lint bench

run:  ## build and run the app on sessionboard.db at http://127.0.0.1:3000
	scripts/run.sh

test: ## every test: unit, integration, end-to-end
	scripts/test.sh

e2e:  ## only the browser tests, against the last release build
	scripts/e2e.sh

lint: ## formatting and clippy for the server and the browser builds
	scripts/lint.sh

bench: ## benchmarks on 1M sessions, SQLite and PostgreSQL: prints a table (a few minutes)
	scripts/bench.sh
