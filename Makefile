# Flowbatch: `make run` serves on http://127.0.0.1:8080, `make test` checks everything.
GO      ?= go
TEMPL   := $(GO) tool templ
BIN     := bin/flowbatch
PKGS    := ./...

.PHONY: run build test vet check-generated generate bench clean

run: ## migrate and serve on FLOWBATCH_ADDR (default 127.0.0.1:8080), metrics on 127.0.0.1:9090
	@scripts/ensure-postgres.sh
	FLOWBATCH_METRICS_ADDR=$${FLOWBATCH_METRICS_ADDR-127.0.0.1:9090} $(GO) run ./cmd/flowbatch serve

build:
	$(GO) build -o $(BIN) ./cmd/flowbatch

test: vet check-generated ## vet, stale-file check, all tests with -race (browser tests included)
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

vet:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1)

# Regenerates templ output and the CSS, then fails if that changed anything
# committed: generated files must be committed up to date.
check-generated: generate
	@git diff --exit-code --stat -- views static || (echo "Generated files are stale: run 'make generate' and commit."; exit 1)
	@test -z "$$(git ls-files --others --exclude-standard -- views static)" || (echo "Untracked generated files:"; git ls-files --others --exclude-standard -- views static; exit 1)

generate: node_modules/.package-lock.json ## icons, templ components, Tailwind CSS, vendored htmx
	node scripts/icons.js && gofmt -w views/components/icons_gen.go
	$(TEMPL) generate
	npx --no-install tailwindcss -c tailwind.config.js -i static/src/app.css -o static/css/app.css --minify 2>/dev/null
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/htmx-ext-sse/dist/sse.min.js static/vendor/htmx-ext-sse.min.js

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

bench: ## benchmarks; figures go to docs/benchmarks.md
	$(GO) test -run '^$$' -bench . -benchmem -timeout 90m $(PKGS)

clean:
	rm -rf bin data/files
