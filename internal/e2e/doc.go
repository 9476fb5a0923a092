// Package e2e holds no code: its tests run acrgen the ways users meet it outside the CLI, with
// the real tools — the pre-commit hooks this repository defines, run by pre-commit, and the
// container image built from the Dockerfile with podman.
package e2e
