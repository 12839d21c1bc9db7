#!/usr/bin/env python3
"""validate_outputs.py SCHEMA_DIR KIND FILE... — validates dsim's JSON outputs
against the shipped schemas (schema/results.schema.json, schema/sweep.schema.json)
with python3-jsonschema. KIND is `results` or `sweep`. A FILE may hold one JSON
document, or one per line (`--format json` of several runs is one document too).
Prints one line per problem, `FILE: JSON.PATH: message`, and exits 1 when there is
one, 0 when every file is valid, 2 on bad usage or a schema that is itself wrong.
Works with the jsonschema of Debian 12 (4.10, RefResolver) and with later ones
(the `referencing` registry)."""
import json
import os
import sys

import jsonschema


def load_schemas(schema_dir):
    docs = {}
    for name in ("results.schema.json", "sweep.schema.json"):
        with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
            docs[name] = json.load(f)
    for doc in docs.values():
        jsonschema.Draft202012Validator.check_schema(doc)
    return docs


def validator_for(docs, schema_dir, kind):
    schema = docs[kind + ".schema.json"]
    try:
        from referencing import Registry, Resource  # jsonschema >= 4.18
        registry = Registry().with_resources(
            (name, Resource.from_contents(doc)) for name, doc in docs.items())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:
        base = "file://" + os.path.abspath(schema_dir) + "/"
        resolver = jsonschema.RefResolver(base_uri=base, referrer=schema,
                                          store={base + n: d for n, d in docs.items()})
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def path_of(error):
    out = "$"
    for p in error.absolute_path:
        out += "[%d]" % p if isinstance(p, int) else ".%s" % p
    return out


def main(argv):
    if len(argv) < 4 or argv[2] not in ("results", "sweep"):
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    try:
        docs = load_schemas(argv[1])
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print("validate_outputs: bad schema: %s" % e, file=sys.stderr)
        return 2
    v = validator_for(docs, argv[1], argv[2])
    problems = 0
    for path in argv[3:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            values = [json.loads(text)]
        except ValueError:
            values = [json.loads(line) for line in text.splitlines() if line.strip()]
        for value in values:
            for e in sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path)):
                print("%s: %s: %s" % (path, path_of(e), e.message))
                problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
