#!/usr/bin/env bash
# cli_schema_mutation.sh DSIM SOURCE_DIR — the loader and the JSON Schema accept
# the same files (tests/schema_mutation.py). The validator is python3-jsonschema
# (Debian), which `make` installs; a Python without it is a failed set-up, not a skip.
set -u
for py in /usr/bin/python3 python3; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
        exec "$py" "$2/tests/schema_mutation.py" "$1" "$2"
    fi
done
echo "FAIL: no python3 with the jsonschema module (apt-get install python3-jsonschema)"
exit 1
