#!/usr/bin/env bash
# Validates the API's OpenAPI document against the OpenAPI 3.1 schema with openapi-spec-validator
# (installed from PyPI into target/ on first use).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=target/openapi-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.7,<0.9'
fi
doc=target/openapi.json
cargo run --quiet --locked -- openapi > "$doc"
"$venv/bin/python" - "$doc" <<'PY'
import json, sys
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
doc = json.load(open(sys.argv[1]))
assert doc["openapi"].startswith("3.1"), doc["openapi"]
validate(doc, cls=OpenAPIV31SpecValidator)
routes = sum(len(v) for v in doc["paths"].values())
print(f"openapi: valid OpenAPI {doc['openapi']}, {len(doc['paths'])} paths, {routes} operations")
PY
