# spinlocal build and test targets. `make test` is what CI runs.
GO      ?= go
BIN     ?= bin/spinlocal
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build test unit lint images docker bench clean

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/spinlocal

# Every test: unit tests and the integration tests against the real Docker engine
# (they need `make docker images` first, which .ci/run does).
test:
	$(GO) test -count=1 -timeout 15m ./...

# Unit tests only: no Docker needed.
unit:
	$(GO) test -count=1 -short ./...

lint:
	gofmt -l . | (! grep .)
	$(GO) vet ./...

docker:
	bash scripts/docker-up.sh

images:
	bash scripts/build-images.sh

bench:
	bash scripts/bench-up.sh

clean:
	rm -rf bin
