# acrgen — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)

# Pinned tool versions: the tests run these real binaries.
KUSTOMIZE_VERSION := v5.7.1
SOPS_VERSION := v3.13.3
AGE_VERSION := v1.3.1
YQ_VERSION := v4.54.3
STATICCHECK_VERSION := v0.8.2
HELM_VERSION := v3.22.0

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/kustomize:
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
$(BIN)/sops:
	GOBIN=$(BIN) $(GO) install github.com/getsops/sops/v3/cmd/sops@$(SOPS_VERSION)
$(BIN)/age-keygen:
	GOBIN=$(BIN) $(GO) install filippo.io/age/cmd/...@$(AGE_VERSION)
$(BIN)/helm:
	GOBIN=$(BIN) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
$(BIN)/staticcheck:
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
$(BIN)/yq:
	GOBIN=$(BIN) $(GO) install github.com/mikefarah/yq/v4@$(YQ_VERSION)

.PHONY: tools
tools: $(BIN)/kustomize $(BIN)/sops $(BIN)/age-keygen $(BIN)/helm ## install the pinned kustomize, sops, age and helm into bin/

.PHONY: build
build: ## build bin/acrgen
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/acrgen ./cmd/acrgen

.PHONY: test
# internal/testing/argoproof is a module of its own (argo-cd cannot be linked into acrgen's; see
# its go.mod): `go test ./...` does not enter it, so it runs here too.
ARGOPROOF := internal/testing/argoproof

test: tools build ## run every test, with the real kustomize, sops and kubectl
	ACRGEN_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...
	cd $(ARGOPROOF) && ACRGEN_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

.PHONY: race
race: tools ## run the tests under the race detector
	ACRGEN_REQUIRE_TOOLS=1 $(GO) test -race -count=1 ./...

.PHONY: demo
demo: tools build $(BIN)/fakeazure ## render examples/ into a scratch copy with a throwaway age key; show the diff and the decrypted Secret
	./scripts/demo.sh

.PHONY: bench
bench: tools build $(BIN)/yq ## benchmarks: acrgen against a kyaml no-op and yq, side by side; a Flux repository
	./bench/run.sh
	./bench/fn.sh
	./bench/flux.sh
	BENCH_DEPLOYER=argocd ./bench/flux.sh
	$(GO) test ./internal/tree -run '^$$' -bench '^BenchmarkLoad$$' -benchtime 5x -count 3

.PHONY: tree-goldens
tree-goldens: $(BIN)/kustomize ## record internal/tree/testdata/model/*/want.yaml from kustomize build (the model's tests then run without it)
	KUSTOMIZE=$(BIN)/kustomize $(GO) test -count=1 ./internal/tree -run '^TestModelGolden$$' -args -record

.PHONY: fmt
fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

# The platforms acrgen builds for. On Linux it writes trees; on macOS and Windows it refuses to
# (docs/security.md#platforms), but every command builds and every package vets there.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: vet
vet: $(BIN)/staticcheck ## go vet on each of PLATFORMS (which compiles every package and test there), staticcheck, a gofmt check and the dependency rules
	@for p in $(PLATFORMS); do echo "go vet ./... ($$p)"; GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./... || exit 1; done
	$(BIN)/staticcheck ./...
	$(GO) test -count=1 ./internal/testing/depcheck
	cd $(ARGOPROOF) && $(GO) vet ./... && $(GO) mod tidy -diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

$(BIN)/fakeazure: $(shell find internal/testing/fakeazure -name '*.go')
	$(GO) build -o $@ ./internal/testing/fakeazure/cmd/fakeazure
