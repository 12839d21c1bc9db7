#!/usr/bin/env python3
"""schema_mutation.py DSIM SOURCE_DIR — the loader and schema/scenario.schema.json
accept the same files, for every rule a JSON Schema can express.

Each shipped scenario is mutated one value at a time: every number with a bound
just inside and just outside it (integers also as 1.5), every enum through each
name and a wrong one, every boolean and leaf through a wrong type, every
required key removed, an unknown key added; optional keys absent from the file
(and the members of absent optional blocks) are added with the same values.
Each mutant goes to the loader (dsim validate) and to a real validator
(python3-jsonschema, Draft 2020-12). A file one accepts and the other refuses
fails the test, except where the loader refuses for a rule between two values
(min <= max, sessions x utterances, ...), which no schema can express: those
are listed by message below and counted. Every bound, enum and required list
of the schema must have been exercised at least once.
"""
import copy, json, os, re, subprocess, sys, tempfile

import jsonschema

DSIM, SRC = sys.argv[1], sys.argv[2]
SCHEMA = json.load(open(os.path.join(SRC, "schema", "scenario.schema.json")))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DEFS = SCHEMA["$defs"]

# Loader refusals for a rule between values: no JSON Schema can state them.
RELATIONAL = [
    r"max must be >= min", r"min_s/max_s", r"base_s/cap_s", r"must be > 0 when pending",
    r"utterances, more than the limit", r"nodes in total, more than the limit",
    r"timeout\.max_s: expected a duration > 0 .*liveness", r"is already defined at",
    r"expect: .*no policy named", r"sweep", r"hunt", r"weights must not all be 0",
    r"expected a number >= min", r"a simulated time can reach", r"sessions without linger_s",
]

ANNOTATIONS = {"default", "description", "title"}

# One instance of each dist kind, to mutate the kinds no shipped file uses.
DIST_SAMPLES = [
    {"dist": "const", "value": 1}, {"dist": "uniform", "min": 1, "max": 2},
    {"dist": "exponential", "mean": 1}, {"dist": "lognormal", "median": 1, "sigma": 0.5},
    {"dist": "gamma", "shape": 2, "scale": 1}, {"dist": "weibull", "shape": 2, "scale": 1},
    {"dist": "pareto", "alpha": 2, "min": 1}, {"dist": "empirical", "samples": [1, 2]},
    {"dist": "mixture", "components": [{"weight": 1, "dist": "const", "value": 1}]},
]

def deref(s):
    while "$ref" in s:
        target = DEFS[s["$ref"].split("/")[-1]]
        extra = {k: v for k, v in s.items() if k != "$ref" and k not in ANNOTATIONS}
        s = {**extra, **target} if extra else target  # the def itself: its rules keep their id
    return s

def branches(s, inst):
    """The object schemas that apply to inst (through $ref, oneOf, anyOf)."""
    s = deref(s)
    out = [s]
    for comb in ("oneOf", "anyOf"):
        for b in s.get(comb, []):
            b = deref(b)
            dist = b.get("properties", {}).get("dist", {}).get("const")
            if dist is not None and isinstance(inst, dict) and inst.get("dist") != dist:
                continue
            if "type" in b and b["type"] == "string" and not isinstance(inst, str):
                continue
            out += branches(b, inst)
    return out

def props_of(s, inst):
    props, req = {}, set()
    for b in branches(s, inst):
        props.update(b.get("properties", {}))
        req |= set(b.get("required", []))
    return props, req

def leaf(s):
    """(kind, schema) of a leaf value schema, or None for objects/arrays/dists."""
    s = deref(s)
    if "enum" in s:
        return "enum", s
    if "oneOf" in s and any(deref(b).get("type") == "string" for b in s["oneOf"]):
        return "after", s
    t = s.get("type")
    if t in ("number", "integer"):
        return t, s
    if t == "boolean":
        return "boolean", s
    if t == "string":
        return "string", s
    return None

def near(x, up):
    d = max(abs(x) * 1e-6, 1e-12)
    return x + d if up else x - d

def values_for(kind, s, rules):
    """(value, rule id) pairs for a leaf."""
    out = []
    if kind in ("number", "integer"):
        integer = kind == "integer"
        step = (lambda x, up: x + (1 if up else -1)) if integer else near
        for key, up_inside in (("minimum", True), ("maximum", False)):
            if key in s:
                b = s[key]
                out += [(b, id(s), key), (step(b, not up_inside), id(s), key)]
        for key, up_inside in (("exclusiveMinimum", True), ("exclusiveMaximum", False)):
            if key in s:
                b = s[key]
                out += [(b, id(s), key), (step(b, up_inside), id(s), key)]
        if integer:
            lo = s.get("minimum", 1)
            out += [(lo + 0.5, id(s), "type"), (float(lo), id(s), "type")]
        out.append(("12", id(s), "type"))
    elif kind == "enum":
        out += [(v, id(s), "enum") for v in s["enum"]] + [("zz-none", id(s), "enum")]
    elif kind == "boolean":
        out += [(True, id(s), "type"), (False, id(s), "type"), ("true", id(s), "type")]
    elif kind == "string":
        out += [(7, id(s), "type")]
        if "pattern" in s and s["pattern"].startswith("^[0-9]{4}"):  # log_epoch_utc
            out += [(v, id(s), "pattern") for v in
                    ("2026-01-19T08:30:00Z", "2026-01-19T08:30:00", "2026-01-19 08:30:00Z", "x")]
        elif "pattern" in s:  # names: no control characters
            out += [(v, id(s), "pattern") for v in ("tab\there", "nl\nx", "del\x7f", "ok-name")]
    elif kind == "after":
        for b in s["oneOf"]:
            b = deref(b)
            if b.get("type") == "string":
                out += [(v, id(b), "pattern") for v in
                        ("p95", "p99.9", "p0.5", "p0", "p0.0", "p100", "p05", "p 5", "p5x", "p1e1")]
            else:
                out += values_for("number", b, rules)
    return out

DIST_DONE = []

def walk(inst, s, path, muts, depth=0, replace=None):
    """Adds (path, op, key, value, rule[, replacement]) mutations for the object inst
    under schema s; `replace` is put at path first (a dist of another kind)."""
    start = len(muts)
    props, req = props_of(s, inst)
    for r in req:
        if r in inst:
            muts.append((path, "del", r, None, ("required", r)))
    muts.append((path, "set", "zz_unknown", 1, ("additional", path[-1] if path else "")))
    addl = deref(s).get("additionalProperties")
    if isinstance(addl, dict) and isinstance(inst, dict):
        for key, v in list(inst.items())[:2]:
            if key not in props and isinstance(v, dict):
                walk(v, addl, path + [key], muts, depth + 1)
    for key, ps in props.items():
        if ps.get("$ref") == "#/$defs/dist" and key in inst and not DIST_DONE:
            DIST_DONE.append(True)  # once: every kind in place of the first dist met
            for sample in DIST_SAMPLES:
                muts.append((path, "set", key, sample, ("kind", sample["dist"])))
                walk(sample, ps, path + [key], muts, depth + 1, sample)
        if key == "$schema" and key not in inst:
            muts.append((path, "set", key, "schema/scenario.schema.json", ("schema", "")))
        lf = leaf(ps)
        if lf:
            for v, rid, rk in values_for(lf[0], lf[1], None):
                muts.append((path, "set", key, v, (rid, rk)))
            continue
        sub = deref(ps)
        if key in inst:
            v = inst[key]
            if isinstance(v, dict) and (sub.get("properties") or sub.get("oneOf") or "$ref" in ps
                                        or isinstance(sub.get("additionalProperties"), dict)):
                walk(v, ps, path + [key], muts, depth + 1)
            elif isinstance(v, list) and "items" in sub:
                for i, item in enumerate(v[:2]):
                    if isinstance(item, dict):
                        walk(item, sub["items"], path + [key, i], muts, depth + 1)
        elif depth < 3 and sub.get("type") == "object" and sub.get("properties") \
                and not sub.get("required") and key != "expect":
            # an absent optional block: add it empty, then mutate its members
            sub_muts = []
            walk({}, ps, path + [key], sub_muts, depth + 1)
            for m in sub_muts:
                muts.append(m + ((key,),) if False else m)
            muts.append((path, "set", key, {}, ("block", key)))
    if replace is not None:
        for i in range(start, len(muts)):
            if len(muts[i]) == 5:
                muts[i] = muts[i] + ((path, replace),)

def get(inst, path):
    for p in path:
        inst = inst[p]
    return inst

def apply(base, m):
    path, op, key, value = m[:4]
    doc = copy.deepcopy(base)
    if len(m) > 5:  # a dist of another kind first
        rpath, sample = m[5]
        get(doc, rpath[:-1])[rpath[-1]] = copy.deepcopy(sample)
    # create absent blocks on the way
    cur = doc
    for p in path:
        if isinstance(cur, dict) and p not in cur:
            cur[p] = {}
        cur = cur[p]
    if op == "del":
        del cur[key]
    else:
        cur[key] = value
    return doc

def rule_ids():
    """Every bound, enum and pattern the schema holds, by (id of its schema, keyword)."""
    ids = {}
    def visit(s, where):
        if isinstance(s, dict):
            for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "pattern"):
                if k in s and where.split("/")[2] not in ("metric_name", "count") \
                        and "/sweep/" not in where and "/hunt/" not in where:
                    ids[(id(s), k)] = where
            for k, v in s.items():
                visit(v, where + "/" + str(k))
        elif isinstance(s, list):
            for i, v in enumerate(s):
                visit(v, where + "/" + str(i))
    visit(SCHEMA, "#")
    return ids

def main():
    shipped = sorted(f for f in os.listdir(os.path.join(SRC, "scenarios")) if f.endswith(".json"))
    tmp = tempfile.mkdtemp(prefix="dsim-mut-")
    cases, seen = [], set()
    for f in shipped:
        base = json.load(open(os.path.join(SRC, "scenarios", f)))
        muts = []
        walk(base, {"$ref": "#/$defs/scenario"}, [], muts)
        for m in muts:
            doc = apply(base, m)
            sig = json.dumps(doc, sort_keys=True)
            generic = [("#" if isinstance(p, int) else p) for p in m[0]]
            kind = get(doc, m[0]).get("dist") if isinstance(get(doc, m[0]), dict) else None
            key = (json.dumps(generic), kind, m[1], m[2], json.dumps(m[3]))
            if key in seen:  # the same change in another file adds nothing new
                continue
            seen.add(key)
            name = os.path.join(tmp, "m%05d.json" % len(cases))
            with open(name, "w") as out:
                out.write(sig)
            cases.append((name, f, m, doc))
    # the loader, in batches: a file's errors start with its path
    refused = {}
    for i in range(0, len(cases), 400):
        names = [c[0] for c in cases[i:i + 400]]
        r = subprocess.run([DSIM, "validate", "--quiet"] + names, capture_output=True, text=True)
        for line in r.stderr.splitlines():
            m = re.match(r"dsim: (/[^:]+\.json)[: ](.*)", line)
            if m:
                refused.setdefault(m.group(1), []).append(m.group(2))
    bad, excused, exercised = [], 0, set()
    for name, f, m, doc in cases:
        schema_ok = VALIDATOR.is_valid(doc)
        loader_ok = name not in refused
        exercised.add(m[4])
        if schema_ok == loader_ok:
            continue
        if schema_ok and not loader_ok and all(any(re.search(p, e) for p in RELATIONAL)
                                               for e in refused[name]):
            excused += 1
            continue
        what = "%s: %s %s%s = %s" % (f, m[1], "".join("[%s]" % p for p in m[0]), m[2],
                                      json.dumps(m[3]))
        if schema_ok:
            bad.append("schema accepts, loader refuses: %s\n    %s" % (what, refused[name][0]))
        else:
            err = next(VALIDATOR.iter_errors(doc))
            bad.append("loader accepts, schema refuses: %s\n    %s" % (what, err.message[:200]))
    missing = [w for k, w in rule_ids().items() if k not in exercised]
    for b in bad:
        print("FAIL:", b)
    for w in missing:
        print("FAIL: no mutation exercised the schema rule at", w)
    print("%d mutants of %d scenarios, %d disagreements, %d excused (rules between values), "
          "%d schema rules unexercised" % (len(cases), len(shipped), len(bad), excused, len(missing)))
    subprocess.run(["rm", "-rf", tmp])
    return 1 if bad or missing else 0

sys.exit(main())
