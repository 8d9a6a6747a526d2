#!/usr/bin/env bash
# Fetch the front-end packages pinned in src/exchange/web/static/vendor/package.json from the npm
# registry and copy the files the pages serve into that folder (then review and commit them).
set -euo pipefail
cd "$(dirname "$0")/../src/exchange/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for spec in $(python3 -c 'import json; print(" ".join(f"{k}@{v}" for k, v in json.load(open("package.json"))["dependencies"].items()))'); do
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
done
for tgz in "$work"/*.tgz; do tar xzf "$tgz" -C "$work" --one-top-level="${tgz%.tgz}"; done
cp -r "$work"/leaflet-*/package/dist/{leaflet.js,leaflet.css,images} "$work"/leaflet-*/package/LICENSE leaflet/
cp "$work"/swagger-ui-dist-*/package/{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE,favicon-32x32.png} swagger-ui/
cp "$work"/redoc-*/package/bundles/redoc.standalone.js "$work"/redoc-*/package/LICENSE redoc/
# ReDoc's sidebar draws its maker's logo from a CDN: the page would reach out to the internet
# (the content policy blocks it, but nothing should try). An empty source draws nothing.
sed -i 's#"https://cdn.redoc.ly/redoc/logo-mini.svg"#""#' redoc/redoc.standalone.js
echo "copied; review with git diff --stat and commit"
