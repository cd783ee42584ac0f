# Liftoff: the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       := bin
STATICCHECK_VERSION := v0.8.2
GOBIN     := $(shell $(GO) env GOPATH)/bin

.PHONY: run build web test unit race cover lint fuzz bench clean

## run: build the server and start it on the embedded default (SQLite in ./data, port 3000)
run: build
	./$(BIN)/liftoff serve

## build: build the web client (when stale) and the liftoff and liftoff-bench binaries into ./bin
build: web
	$(GO) build -o $(BIN)/liftoff ./cmd/liftoff
	@if [ -d cmd/liftoff-bench ]; then $(GO) build -o $(BIN)/liftoff-bench ./cmd/liftoff-bench; fi

## web: build the web client into webui/dist (embedded by the binary) when missing or stale
web:
	./scripts/web.sh build

## test: the whole suite: lint, unit and integration tests, slow smoke tests, the web client's unit and browser tests, fuzz seed corpora
test: lint
	./scripts/test.sh

## unit: the fast run to repeat while working: unit and in-process integration tests (-short)
unit:
	$(GO) test -short -count=1 ./...

## race: the whole test suite under the race detector
race:
	$(GO) test -race -count=1 -timeout 30m ./...

## cover: statement coverage of api, ddpapi and chat by the whole test run
cover:
	./scripts/cover.sh

## lint: gofmt, go vet and staticcheck must be clean
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...

## fuzz: the random fuzz search on every target (FUZZTIME=5000000x make fuzz)
fuzz:
	FUZZTIME=$${FUZZTIME:-2000000x} ./scripts/fuzz.sh

## bench: start a fresh embedded server and run the standard load suite against it
bench: build
	./scripts/bench.sh

clean:
	rm -rf $(BIN)
