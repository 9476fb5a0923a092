# The acrgen KRM function image: a static acrgen binary on a distroless base, run as a non-root
# user, with `acrgen fn` as its entrypoint (kustomize `container:` functions, kpt `image:` steps).
#
#   docker build --build-arg VERSION=v0.1.0 -t ghcr.io/acrgen/acrgen:v0.1.0 .
#
# The container has no network when kustomize or kpt run it; the function needs none.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/acrgen ./cmd/acrgen

# static: no libc, no shell; nonroot: uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/acrgen /acrgen
USER 65532:65532
ENTRYPOINT ["/acrgen", "fn"]
