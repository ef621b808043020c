#!/usr/bin/env python3
"""openapi_check.py [--partial] SPEC.json CALLS.jsonl — the contract test of the app's API.

SPEC.json is the document the running app served at GET /openapi.json. CALLS.jsonl holds one line per request the
integration test made: {"method", "path", "status", "content_type", "body_file"}. Every call must be to a documented
route, answer a documented status, and (for JSON) match the documented schema; every documented route must have
been called at least once (unless --partial: a test that covers a few routes only checks what it called). Prints
one line per problem and exits 1 if there is any.

The schema check covers the JSON Schema the document uses (its own and the bundled docs/schemas/ files): $ref,
type (one or a list), enum, const, required, properties, patternProperties, additionalProperties, items,
minItems/maxItems, oneOf/anyOf, minLength/maxLength, pattern, minimum/maximum.
"""
import json
import re
import sys


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **extra} if extra else target
    return node


TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(spec, schema, value, where, problems):
    schema = resolve(spec, schema)
    if not isinstance(schema, dict):
        return
    for key in ("oneOf", "anyOf"):
        if key in schema:
            matches = 0
            for option in schema[key]:
                sub = []
                validate(spec, option, value, where, sub)
                matches += not sub
            if matches == 0 or (key == "oneOf" and matches > 1):
                problems.append(f"{where}: matches {matches} of the {key} options")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(TYPES[t](value) for t in types):
            problems.append(f"{where}: {type(value).__name__} is not {'/'.join(types)}")
            return
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: above {schema['maximum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}: lacks required '{name}'")
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        for name, v in value.items():
            matched = [p for p in patterns if re.search(p, name)]
            for p in matched:
                validate(spec, patterns[p], v, f"{where}.{name}", problems)
            if name in props:
                validate(spec, props[name], v, f"{where}.{name}", problems)
            elif matched:
                continue
            elif extra is False:
                problems.append(f"{where}: unexpected property '{name}'")
            elif isinstance(extra, dict):
                validate(spec, extra, v, f"{where}.{name}", problems)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: more than {schema['maxItems']} items")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            validate(spec, schema["items"], v, f"{where}[{i}]", problems)


def main():
    args = sys.argv[1:]
    partial = args[:1] == ["--partial"]
    args = args[1:] if partial else args
    spec = json.load(open(args[0]))
    calls = [json.loads(line) for line in open(args[1]) if line.strip()]
    problems = []
    seen = set()
    for c in calls:
        method, path, status = c["method"].lower(), c["path"].split("?")[0], str(c["status"])
        what = f"{c['method']} {path} {status}"
        op = spec["paths"].get(path, {}).get(method)
        if op is None:
            continue  # undocumented paths are the static files and deliberate 404/405 probes
        seen.add((path, method))
        responses = op.get("responses", {})
        resp = responses.get(status) or responses.get("default")
        if resp is None:
            problems.append(f"{what}: status not documented for this route")
            continue
        resp = resolve(spec, resp)
        content = resp.get("content")
        ctype = (c.get("content_type") or "").split(";")[0].strip()
        if not content:
            continue
        media = content.get(ctype)
        if media is None:
            problems.append(f"{what}: content type '{ctype}' not documented (documented: {', '.join(content)})")
            continue
        if ctype != "application/json":
            continue
        try:
            body = json.load(open(c["body_file"]))
        except (OSError, ValueError) as e:
            problems.append(f"{what}: body is not JSON ({e})")
            continue
        sub = []
        validate(spec, media.get("schema", {}), body, "body", sub)
        problems.extend(f"{what}: {p}" for p in sub)
    for path, ops in spec["paths"].items():
        for method in ops:
            if not partial and method in ("get", "post", "put", "patch", "delete") and (path, method) not in seen:
                problems.append(f"{method.upper()} {path}: documented but never exercised by the tests")
    for p in problems:
        print(f"openapi: {p}")
    print(f"openapi: {len(calls)} calls checked against {sum(len(o) for o in spec['paths'].values())} operations, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
