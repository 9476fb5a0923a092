# The acrgen KRM function image: the static acrgen binary and nothing else (FROM scratch: no shell,
# no libc, no package manager, nothing to pull), run as a non-root user, with `acrgen fn` as its
# entrypoint (kustomize `container:` functions, kpt `image:` steps). The binary is built outside,
# so the image builds offline with podman or docker:
#
#   CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=v0.1.0" -o bin/acrgen ./cmd/acrgen
#   podman build --build-arg VERSION=v0.1.0 --build-arg REVISION=$(git rev-parse HEAD) -t ghcr.io/acrgen/acrgen:v0.1.0 .
#
# The container has no network when kustomize or kpt run it; the function needs none.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="acrgen" \
      org.opencontainers.image.description="KRM function: SOPS-encrypted Azure Container Registry pull Secrets and imagePullSecrets" \
      org.opencontainers.image.source="https://github.com/acrgen/acrgen" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY bin/acrgen /acrgen
# The distroless "nonroot" user: no root inside the container.
USER 65532:65532
ENTRYPOINT ["/acrgen", "fn"]
