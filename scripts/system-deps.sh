#!/usr/bin/env bash
# The system programs the tests need besides Python: installed from the machine's apt sources when
# missing (as root, or with password-less sudo), else named with what needs them, and `make install`
# stops. Nothing is installed when everything is present.
set -euo pipefail

# program|Debian package|what needs it
NEEDS=(
  "redis-server|redis-server|the Redis tests (pytest-redis starts its own redis-server processes)"
  "redis-cli|redis-tools|the local Kubernetes dev-stack test (tests/k8s)"
  "kubectl|kubectl|the manifest tests: \`kubectl kustomize\` builds the overlays (kubectl comes from the Kubernetes apt repository, pkgs.k8s.io, not from Debian)"
  "npm|npm|buf (proto lint and breaking-change checks) and Microsoft's SARIF validator, installed from npm"
  "git|git|the repository walk's tests (.gitignore inside a git work tree)"
)

missing=()
for need in "${NEEDS[@]}"; do
  IFS='|' read -r program package why <<<"$need"
  command -v "$program" >/dev/null 2>&1 || missing+=("$program|$package|$why")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=()
for m in "${missing[@]}"; do IFS='|' read -r _ package _ <<<"$m"; packages+=("$package"); done
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "make install: installing ${packages[*]} with apt-get" >&2
  $sudo apt-get update -qq >/dev/null || true
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null || true
fi

status=0
for m in "${missing[@]}"; do
  IFS='|' read -r program package why <<<"$m"
  if ! command -v "$program" >/dev/null 2>&1; then
    echo "make install: '$program' is missing (package '$package'); it is needed by $why. Install it and run make install again." >&2
    status=1
  fi
done
exit $status
