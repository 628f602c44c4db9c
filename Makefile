# spinlocal build, demo and test targets. CI runs .ci/run, which runs `make test`.
GO      ?= go
BIN     ?= bin/spinlocal
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build demo test fixture-test unit lint docker images bench clean

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/spinlocal

# Deploy the bundled flask-demo stack and print its URL. Starts Docker (as root) when it is
# not running, builds the local images, and starts the daemon in the background.
demo: build docker images
	cd fixtures/flask-demo && ../../$(BIN) up -d

# Every test, unit and integration, against the real Docker engine.
test: docker images
	SPINLOCAL_REQUIRE_DOCKER=1 $(GO) test -count=1 -timeout 20m ./...

# The fixture's own test, through `spinlocal run` as a stack's CI would run it: deploy,
# wait until healthy, run the test with the endpoints in its environment, tear down.
fixture-test: build docker images
	$(BIN) run -f fixtures/flask-demo/docker-compose.yml -- \
		bash fixtures/flask-demo/tests/smoke.sh

# Unit tests only: no Docker needed.
unit:
	$(GO) test -count=1 -short ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...

docker:
	bash scripts/docker-up.sh

images:
	bash scripts/build-images.sh

bench: build docker images
	bash scripts/bench-up.sh
	bash scripts/bench-rss.sh
	bash scripts/bench-proxy.sh
	bash scripts/bench-stream.sh

clean:
	rm -rf bin
