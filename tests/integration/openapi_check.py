# SPDX-License-Identifier: Apache-2.0
"""Validates HTTP answers against the official 3GPP OpenAPI 3.0 YAMLs.

Loads the YAML files with PyYAML, resolves $ref across files, converts the
OpenAPI 3.0 schema objects to JSON Schema (draft 4, which OpenAPI 3.0's
dialect follows: boolean exclusiveMinimum/Maximum) and validates with
jsonschema. Used by tests/integration/gm_*.py; needs python3-yaml and
python3-jsonschema.

    api = OpenApi(spec_dir)
    api.check_response("TS29549_SS_GroupManagement.yaml", "POST",
                       "/ss-gm/v1/group-documents", 201, headers, body)
"""
import json
import os
import re

import jsonschema
import yaml

# OpenAPI 3.0 keywords with no JSON Schema meaning (or one we do not check).
_DROP = {"discriminator", "xml", "externalDocs", "example", "deprecated",
         "readOnly", "writeOnly", "nullable", "description", "title"}
_SCHEMA_CHILD = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class CheckError(AssertionError):
    pass


def find_spec_dir(release="Rel-18"):
    """The folder of the official YAMLs: $SEAL_OPENAPI_DIR, else
    tests/openapi/<release> in the source tree, else the project's shared/
    folder beside the clone (where the development machines and CI keep the
    3GPP files, which are not ours to redistribute)."""
    cands = []
    if os.environ.get("SEAL_OPENAPI_DIR"):
        cands.append(os.environ["SEAL_OPENAPI_DIR"])
    top = os.environ.get("top_srcdir",
                         os.path.join(os.path.dirname(__file__), "..", ".."))
    cands.append(os.path.join(top, "tests", "openapi", release))
    cands.append(os.path.join(top, "..", "shared", "specs", "openapi", release))
    for c in cands:
        if os.path.isfile(os.path.join(c, "TS29122_CommonData.yaml")):
            return c
    return None


class OpenApi:
    def __init__(self, spec_dir):
        self.dir = spec_dir
        self.files = {}
        self.defs = {}          # definition name -> converted schema
        self.def_names = {}     # (file, pointer) -> definition name

    # ---- loading and $ref ----

    def load(self, fname):
        if fname not in self.files:
            with open(os.path.join(self.dir, fname), encoding="utf-8") as f:
                text = f.read()
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError:
                # A few official files hold literal TABs that strict YAML
                # refuses (research notes §8); spaces mean the same there.
                doc = yaml.safe_load(text.replace("\t", " "))
            self.files[fname] = doc
        return self.files[fname]

    def resolve(self, ref, base):
        """-> (file, pointer, node) for a $ref seen in file base."""
        fname, _, pointer = ref.partition("#")
        fname = fname or base
        node = self.load(fname)
        for part in [p for p in pointer.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[part]
        return fname, pointer, node

    def deref(self, node, base):
        """Follows $ref chains of a non-schema object (responses...)."""
        while isinstance(node, dict) and "$ref" in node:
            base, _, node = self.resolve(node["$ref"], base)
        return node, base

    # ---- OpenAPI 3.0 schema -> JSON Schema ----

    def _def_ref(self, ref, base):
        fname, pointer, node = self.resolve(ref, base)
        key = (fname, pointer)
        if key not in self.def_names:
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", fname + pointer)
            self.def_names[key] = name
            self.defs[name] = {}   # placeholder: breaks cycles
            self.defs[name] = self.convert(node, fname)
        return {"$ref": "#/definitions/" + self.def_names[key]}

    def convert(self, s, base):
        if not isinstance(s, dict):
            return s
        if "$ref" in s:
            return self._def_ref(s["$ref"], base)   # siblings of $ref are ignored
        out = {}
        for k, v in s.items():
            if k in _DROP:
                continue
            if k in _SCHEMA_CHILD and isinstance(v, dict):
                out[k] = self.convert(v, base)
            elif k in _SCHEMA_LISTS:
                out[k] = [self.convert(x, base) for x in v]
            elif k == "properties":
                out[k] = {p: self.convert(x, base) for p, x in v.items()}
            else:
                out[k] = v
        if s.get("nullable") is True:
            # OpenAPI 3.0 nullable: null is also allowed.
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
            out = {"anyOf": [out, {"type": "null"}]}
        return out

    def schema(self, node, base):
        """A self-contained JSON Schema for an OpenAPI schema object."""
        root = self.convert(node, base)
        return {"definitions": self.defs, **({"allOf": [root]})}

    def validate(self, instance, node, base, what):
        schema = self.schema(node, base)
        v = jsonschema.Draft4Validator(schema)
        errors = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            lines = ["%s: /%s: %s" % (what, "/".join(str(p) for p in e.absolute_path),
                                      e.message[:300]) for e in errors[:10]]
            raise CheckError("\n".join(lines))

    def component(self, fname, name):
        return self.load(fname)["components"]["schemas"][name]

    # ---- operations ----

    def operation(self, fname, method, path):
        """-> (template, operation object) for a concrete request path."""
        doc = self.load(fname)
        prefix = ""
        for srv in doc.get("servers", []):
            prefix = re.sub(r"^\{apiRoot\}", "", srv["url"])
        if not path.startswith(prefix):
            raise CheckError("%s is not under %s" % (path, prefix))
        rel = path[len(prefix):].split("?")[0]
        for tmpl, item in doc["paths"].items():
            rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(tmpl)) + "$"
            if re.match(rx, rel):
                op = item.get(method.lower())
                return tmpl, op
        return None, None

    def check_response(self, fname, method, path, status, headers, body):
        """Checks one answer: status declared (else "default"), media type,
        body against the schema, required headers. headers: dict with
        lower-case names. body: bytes. Returns the parsed body (or None)."""
        tmpl, op = self.operation(fname, method, path)
        what = "%s %s -> %d" % (method, path, status)
        declared = op["responses"].get(str(status)) if op else None
        if declared is not None:
            resp, rbase = self.deref(declared, fname)
        else:
            # Not declared for this operation (412, 409, or a 405 from the
            # router): TS 29.122 5.2.6 still makes every error answer a
            # ProblemDetails; take the common response of that code when
            # TS29122_CommonData has one, else a bare ProblemDetails. The
            # YAMLs' "default" response declares no content at all.
            common = self.load("TS29122_CommonData.yaml")["components"]["responses"]
            if str(status) in common:
                resp, rbase = self.deref(common[str(status)], "TS29122_CommonData.yaml")
            elif status >= 400:
                resp, rbase = {"content": {"application/problem+json": {"schema": {
                    "$ref": "#/components/schemas/ProblemDetails"}}}}, "TS29122_CommonData.yaml"
            elif op is not None and "default" in op["responses"]:
                resp, rbase = self.deref(op["responses"]["default"], fname)
            else:
                raise CheckError("%s: status not declared" % what)
        content = resp.get("content")
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if not content:
            if body:
                raise CheckError("%s: body %r where the API declares none" % (what, body[:200]))
            parsed = None
        else:
            if ctype not in content:
                raise CheckError("%s: Content-Type %r, declared: %s"
                                 % (what, ctype, ", ".join(content)))
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise CheckError("%s: body is not JSON (%s): %r" % (what, e, body[:200]))
            self.validate(parsed, content[ctype]["schema"], rbase, what)
        for hname, h in (resp.get("headers") or {}).items():
            h, _ = self.deref(h, rbase)
            if h.get("required") and hname.lower() not in headers:
                raise CheckError("%s: required header %s missing" % (what, hname))
        return parsed

    def check_value(self, fname, schema_name, value):
        """Validates a value against a named component schema."""
        self.validate(value, self.component(fname, schema_name), fname, schema_name)
