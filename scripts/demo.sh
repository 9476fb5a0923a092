#!/usr/bin/env bash
# make demo: render examples/ into a scratch copy with a throwaway age key, then show the
# diff a reviewer would see, the kustomize build, and the decrypted Secret.
# Everything here is offline and disposable; the credential is a fake one for the demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/bin:$PATH"
scratch="$root/.scratch/demo"
rm -rf "$scratch" && mkdir -p "$scratch"
cp -r "$root/examples/." "$scratch/"
cd "$scratch"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "a throwaway age key (private half in .scratch/demo/demo.agekey, never committed)"
age-keygen -o demo.agekey 2>/dev/null
recipient=$(age-keygen -y demo.agekey)
sed -i "s/age1[0-9a-z]*/$recipient/" .sops.yaml
echo "recipient: $recipient"
git init -q . && git add -A && git -c user.name=demo -c user.email=demo@example.com commit -qm "examples as they are"

step "an Azure EMULATOR (internal/testing/fakeazure, not Azure) so provisioning runs offline"
fakeazure -dir "$scratch/.fakeazure" -registry myregistry \
  -image myregistry.azurecr.io/my-awesome-app:v1 -image myregistry.azurecr.io/reports:2.4.1 > "$scratch/.fakeazure.log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -f "$scratch/.fakeazure/env.sh" ] && break; sleep 0.1; done
cat "$scratch/.fakeazure.log"
echo ".fakeazure*" >> .git/info/exclude
# The emulator's CA (SSL_CERT_FILE), its fake tenant/client credentials and a cloud file.
# shellcheck disable=SC1091
. "$scratch/.fakeazure/env.sh"

step "acrgen provision overlays/prod --dry-run (the plan; no change in Azure or the tree)"
acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE" --dry-run

step "acrgen provision overlays/prod: service principal + acrpull on the registry + password, rendered in-process"
acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE"

step "provision again: nothing to create in Azure, nothing to change in the tree"
SOPS_AGE_KEY_FILE=demo.agekey acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE"
step "acrgen render overlays/staging with a credential you already have (stdin, never argv); namePrefix, and an images: entry that moves the app off the registry"
printf 'demo-only-not-a-real-password' | acrgen render overlays/staging \
  --registry myregistry --username 00000000-0000-0000-0000-000000000000 --password-stdin

step "git diff of the edited files (base/ is untouched; new files are listed below)"
git --no-pager diff
git status --short

step "the new encrypted Secret: metadata readable, data encrypted"
cat overlays/prod/acr-secret.enc.yaml

step "kustomize build overlays/prod: every workload that pulls from the registry references the Secret"
kustomize build overlays/prod | grep -E '^kind:|^  name:|image:|imagePullSecrets|- name: acr-secret'

step "sops -d with the throwaway key: the .dockerconfigjson kubectl would have made (emulator credential)"
SOPS_AGE_KEY_FILE=demo.agekey sops -d overlays/prod/acr-secret.enc.yaml \
  | sed -n 's/^ *\.dockerconfigjson: //p' | base64 -d; echo

step "acrgen check overlays/prod (read-only; exit 1 on drift)"
acrgen check overlays/prod --registry myregistry

step "acrgen check overlays/prod --online: the emulated registry's token flow and a manifest HEAD, for each image (the key decrypts the Secret)"
SOPS_AGE_KEY_FILE=demo.agekey acrgen check overlays/prod --registry myregistry --online

cp overlays/prod/acr-secret.enc.yaml "$scratch/.fakeazure/before-rotation.enc.yaml"
step "rotation, phase 1: --rotate adds a password and renders it; the old one keeps working"
SOPS_AGE_KEY_FILE=demo.agekey acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE" --rotate
acrgen check overlays/prod --registry myregistry | grep 'credential'

step "rotation, phase 2 (after merge and apply): --retire removes the passwords no Secret records"
acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE" --retire
acrgen provision overlays/prod --registry myregistry --sp-name acr-pull-prod --cloud "$FAKEAZURE_CLOUD_FILE" --retire --grace 0s

step "check --online after the retire: the Secret in the tree still pulls"
SOPS_AGE_KEY_FILE=demo.agekey acrgen check overlays/prod --registry myregistry --online

step "check --online on the Secret from before the rotation (as a cluster that never applied the rotation would hold): refused, exit 1"
cp overlays/prod/acr-secret.enc.yaml "$scratch/.fakeazure/rotated.enc.yaml"
cp "$scratch/.fakeazure/before-rotation.enc.yaml" overlays/prod/acr-secret.enc.yaml
if SOPS_AGE_KEY_FILE=demo.agekey acrgen check overlays/prod --registry myregistry --online; then
  echo "expected the retired password to be refused" >&2
  exit 1
else
  echo "(exit $?)"
fi
cp "$scratch/.fakeazure/rotated.enc.yaml" overlays/prod/acr-secret.enc.yaml

step "a second render of staging changes nothing"
printf 'demo-only-not-a-real-password' | SOPS_AGE_KEY_FILE=demo.agekey acrgen render overlays/staging \
  --registry myregistry --username 00000000-0000-0000-0000-000000000000 --password-stdin

step "Flux: examples/flux, a fleet repository (clusters/prod, clusters/staging, apps/, a local chart)"
flux="$root/.scratch/demo-flux"
rm -rf "$flux" && mkdir -p "$flux"
cp -r "$root/examples/flux/." "$flux/"
cp demo.agekey "$flux/" && echo demo.agekey > "$flux/.gitignore"
sed -i "s/age1[0-9a-z]*/$recipient/" "$flux/.sops.yaml"
cd "$flux"
git init -q . && git add -A && git -c user.name=demo -c user.email=demo@example.com commit -qm "fleet as it is"

step "acrgen check clusters/prod before the render: Flux's images: and targetNamespace make podinfo pull from the registry (exit 1)"
if acrgen check clusters/prod --registry myregistry; then
  echo "expected check to fail before the render" >&2
  exit 1
else
  echo "(exit $?)"
fi

step "acrgen render clusters/prod clusters/staging: one run follows every Flux Kustomization"
printf 'demo-only-not-a-real-password' | acrgen render clusters/prod clusters/staging \
  --registry myregistry --username 00000000-0000-0000-0000-000000000000 --password-stdin
git status --short

step "acrgen check clusters/prod after the render (exit 0)"
acrgen check clusters/prod --registry myregistry

echo
echo "scratch copies: $scratch $flux"
