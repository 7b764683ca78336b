#!/usr/bin/env python3
"""Cross-checks cases.json (the table tests/compat_cases.rs runs) against a
second implementation: Python avro's ReaderWriterCompatibilityChecker.

Run (from any directory; needs the `avro` package, 1.12.0 was used):
    python3 -m venv /tmp/avro-venv && /tmp/avro-venv/bin/pip install avro==1.12.0
    /tmp/avro-venv/bin/python server/avro/tests/crosscheck.py

For each case Python must give the same multiset of incompatibility kinds,
and every expected path must be among Python's locations (Python's merge
adds a spurious "/" to the set, so only inclusion is checked). A case whose
"python" entry says why Python legitimately differs is checked against that
entry instead. Exits 1 on any disagreement.
"""
import json
import os
import sys
import warnings
from collections import Counter

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

# Invalid logical types are ignored on purpose in some cases; Python warns.
warnings.filterwarnings("ignore", module="avro")

HERE = os.path.dirname(os.path.abspath(__file__))


def python_verdict(reader, writer):
    r = avro.schema.parse(json.dumps(reader))
    w = avro.schema.parse(json.dumps(writer))
    result = ReaderWriterCompatibilityChecker().get_compatibility(r, w)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return [], set()
    kinds = [i.name.upper() for i in result.incompatibilities]
    return kinds, set(result.locations)


def main():
    with open(os.path.join(HERE, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    failures, overridden = [], 0
    for case in cases:
        expect = case["expect"]
        if "python" in case:
            expect = case["python"]["expect"]
            overridden += 1
        try:
            kinds, locations = python_verdict(case["reader"], case["writer"])
        except Exception as e:  # a schema Python cannot parse is a finding too
            failures.append(f"{case['name']}: Python failed: {e!r}")
            continue
        want_kinds = Counter(e["kind"] for e in expect)
        want_paths = {e["path"] for e in expect if "path" in e}
        if Counter(kinds) != want_kinds or not want_paths <= locations:
            failures.append(
                f"{case['name']}: Python says kinds={sorted(kinds)} locations={sorted(locations)}; "
                f"table says kinds={sorted(want_kinds.elements())} paths={sorted(want_paths)}"
            )
    print(f"{len(cases)} cases, {overridden} with a documented Python difference, {len(failures)} disagreement(s)")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
