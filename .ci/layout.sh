# Sourced by .ci/lint-imports and .ci/mypy: puts the package as it installs (envs/ as rlkit/envs, ...) in
# $LAYOUT, because import-linter and mypy find modules by their folders, not through setup.py's mapping.
# from_layout maps their paths back to the repository's files.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAYOUT="$REPO/build/layout"
# setuptools builds through build/lib and would ship what an earlier build left there (moved modules too).
rm -rf "$LAYOUT" "$REPO/build/lib" "$REPO"/build/bdist.*
python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-compile --root-user-action=ignore \
  --target "$LAYOUT" "$REPO" >/dev/null
rm -rf "$LAYOUT/bin" "$LAYOUT"/rlkit-*.dist-info

from_layout() {
  sed -E -e "s#$LAYOUT/##g" -e 's#(^|[^/[:alnum:]_.])rlkit/(envs|agents|vision|configs)/#\1\2/#g'
}
