#!/usr/bin/env bash
# Rebuild Divert's front-end assets from the npm packages pinned in package-lock.json.
#
#   scripts/build-assets.sh            npm ci, then build
#   SKIP_NPM_CI=1 scripts/build-assets.sh   build from the node_modules already there
#
# Writes divert/static/divert/ (css, js, images, licences) and tests/browser/vendor/axe.min.js.
# The output is committed, so running the demo or the tests never needs node.
set -euo pipefail
cd "$(dirname "$0")/.."

out=divert/static/divert
gov=node_modules/govuk-frontend/dist/govuk
moj=node_modules/@ministryofjustice/frontend/moj

command -v npm >/dev/null || { echo "build-assets: npm is needed to rebuild the assets" >&2; exit 1; }
if [[ "${SKIP_NPM_CI:-}" != 1 ]]; then
  # --ignore-scripts: nothing we use needs an install script (sass is plain JavaScript).
  npm ci --ignore-scripts --no-audit --no-fund
fi

rm -rf "$out"
mkdir -p "$out/css" "$out/js" "$out/images" "$out/licences" tests/browser/vendor

# Stylesheet. --quiet-deps hides the packages' own Sass deprecation warnings.
node_modules/.bin/sass --load-path=. --quiet-deps --style=compressed --no-source-map \
  frontend/divert.scss "$out/css/divert.css"

# Scripts: the packages' ES module builds, without their source-map comments (the maps
# are not shipped, and collectstatic's manifest storage fails on missing references).
strip_map() { sed -e '/^\/\/# sourceMappingURL=/d' -e 's#//\# sourceMappingURL=[^ ]*$##' "$1" >"$2"; }
strip_map "$gov/govuk-frontend.min.js" "$out/js/govuk-frontend.min.js"
strip_map "$moj/moj-frontend.min.js" "$out/js/moj-frontend.min.js"
cp frontend/init.js "$out/js/init.js"
cp frontend/print.css "$out/css/print.css"
cp frontend/favicon.svg "$out/images/favicon.svg"

# Every image the stylesheet refers to, so nothing 404s. Fonts: none (Arial).
missing=0
for name in $(grep -o 'url([^)]*)' "$out/css/divert.css" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u); do
  case "$name" in
    ../images/*) file="${name#../images/}" ;;
    *) echo "build-assets: unexpected url($name) in divert.css" >&2; missing=1; continue ;;
  esac
  if [[ -f "$moj/assets/images/$file" ]]; then
    cp "$moj/assets/images/$file" "$out/images/$file"
  elif [[ -f "$gov/assets/images/$file" ]]; then
    cp "$gov/assets/images/$file" "$out/images/$file"
  else
    echo "build-assets: divert.css refers to $name, found in neither package" >&2
    missing=1
  fi
done
[[ $missing == 0 ]] || exit 1

# Licences of what we ship (both packages are MIT; their npm tarballs carry no licence file).
version() { node -p "require('./node_modules/$1/package.json').version"; }
cat >"$out/licences/README.txt" <<EOF
Third-party code in this folder, built by scripts/build-assets.sh:

- govuk-frontend $(version govuk-frontend) (css/divert.css, js/govuk-frontend.min.js, images/govuk-*):
  MIT License, Copyright (c) Crown Copyright (Government Digital Service).
  https://github.com/alphagov/govuk-frontend
- @ministryofjustice/frontend $(version @ministryofjustice/frontend) (css/divert.css, js/moj-frontend.min.js, images/icon-*):
  MIT License, Copyright (c) Crown Copyright (Ministry of Justice).
  https://github.com/ministryofjustice/moj-frontend

Both are distributed under the MIT License reproduced in MIT.txt.
init.js, favicon.svg and the divert-* styles are part of Divert.
EOF
cat >"$out/licences/MIT.txt" <<'EOF'
The MIT License (MIT)

Copyright (c) Crown Copyright

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
EOF

# axe-core for the browser tests (MPL-2.0; its licence header stays in the file).
cp node_modules/axe-core/axe.min.js tests/browser/vendor/axe.min.js

echo "build-assets: wrote $out/ ($(du -sh "$out" | cut -f1)) and tests/browser/vendor/axe.min.js"
