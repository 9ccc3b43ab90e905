#!/usr/bin/env python3
"""Validates an OSCAL assessment-results JSON file with compliance-trestle, the reference OSCAL
tooling: usage `oscal_check.py FILE` with the python of the venv that tests/peers/venv.sh makes.

1. The document claims an OSCAL version that the installed trestle's models are (1.1.x for the
   pinned compliance-trestle 3.12; trestle itself does not check the claim).
2. trestle's pydantic model of assessment-results loads it (types, required fields, patterns of
   uuids, tokens, dates, enumerations).
3. Round trip: trestle writes the model back, and the result equals the input as JSON data (no
   field lost, added or changed).
4. The references OSCAL requires to resolve do (trestle's models do not check them): the
   import-ap and evidence `#uuid` links name back-matter resources, related observations name an
   observation of their result, subjects name an inventory item, party or resource.
5. `trestle validate` (uuid duplicates, references) passes in a fresh `trestle init` workspace.

Exits 0 when all pass; otherwise 1 with one line per problem on stderr.
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile


def fail(problems):
    for p in problems:
        print(f"oscal_check: {p}", file=sys.stderr)
    sys.exit(1)


def differences(a, b, path="$"):
    """Where JSON values a (input) and b (trestle's output) differ, as readable lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in b:
                out.append(f"{path}.{k}: lost by trestle (was {json.dumps(a[k])[:80]})")
            elif k not in a:
                out.append(f"{path}.{k}: added by trestle ({json.dumps(b[k])[:80]})")
            else:
                out.extend(differences(a[k], b[k], f"{path}.{k}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items became {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(differences(x, y, f"{path}[{i}]"))
        return out
    if type(a) is not type(b) or a != b:
        return [f"{path}: {json.dumps(a)[:80]} became {json.dumps(b)[:80]}"]
    return []


def dangling_references(ar):
    """The references of the document that name nothing in it."""
    problems = []
    resources = {r["uuid"] for r in ar.get("back-matter", {}).get("resources", [])}
    parties = {p["uuid"] for p in ar["metadata"].get("parties", [])}

    def resource_link(href, where):
        if href.startswith("#") and href[1:] not in resources:
            problems.append(f"{where}: {href} names no back-matter resource")

    resource_link(ar["import-ap"]["href"], "import-ap")
    for i, result in enumerate(ar["results"]):
        where = f"results[{i}]"
        items = {x["uuid"] for x in result.get("local-definitions", {}).get("inventory-items", [])}
        observations = {o["uuid"] for o in result.get("observations", [])}
        for o in result.get("observations", []):
            for s in o.get("subjects", []):
                known = {"inventory-item": items, "party": parties, "resource": resources}.get(s["type"])
                if known is None or s["subject-uuid"] not in known:
                    problems.append(f"{where} observation {o['uuid']}: subject {s['type']} {s['subject-uuid']} is not defined")
            for e in o.get("relevant-evidence", []):
                if "href" in e:
                    resource_link(e["href"], f"{where} observation {o['uuid']}")
        for f in result.get("findings", []):
            for r in f.get("related-observations", []):
                if r["observation-uuid"] not in observations:
                    problems.append(f"{where} finding {f['uuid']}: related observation {r['observation-uuid']} is not in its result")
    return problems


def main():
    if len(sys.argv) != 2:
        fail(["usage: oscal_check.py FILE (an OSCAL assessment-results JSON document)"])
    path = pathlib.Path(sys.argv[1])
    try:
        import trestle
        import trestle.oscal
        from trestle.oscal.assessment_results import AssessmentResults
    except ImportError as e:
        fail([f"compliance-trestle is not installed for {sys.executable} ({e}); run tests/peers/venv.sh"])
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        fail([f"{path}: not a JSON file: {e}"])
    if not isinstance(document, dict) or list(document) != ["assessment-results"]:
        fail([f"{path}: expected one top-level key `assessment-results`"])
    ar = document["assessment-results"]

    claimed = ar.get("metadata", {}).get("oscal-version", "")
    if not re.match(trestle.oscal.OSCAL_VERSION_REGEX, str(claimed)):
        fail([f"the document claims OSCAL {claimed!r}, but compliance-trestle {trestle.__version__} models OSCAL {trestle.oscal.OSCAL_VERSION}"])

    with tempfile.TemporaryDirectory(prefix="oscal-check.") as tmp:
        tmp = pathlib.Path(tmp)
        source = tmp / "input.json"  # trestle picks the parser by suffix
        shutil.copyfile(path, source)
        try:
            model = AssessmentResults.oscal_read(source)
        except Exception as e:  # pydantic's ValidationError or trestle's own: every one is a failure
            fail([f"trestle {trestle.__version__} rejects {path}:", *str(e).splitlines()])

        written = tmp / "written.json"
        model.oscal_write(written)
        back = json.loads(written.read_text(encoding="utf-8"))
        changed = differences(document, back)
        if changed:
            fail([f"round trip through trestle's model changed {len(changed)} value(s):", *changed[:40]])

        dangling = dangling_references(ar)
        if dangling:
            fail(dangling)

        workspace = tmp / "workspace"
        workspace.mkdir()
        trestle_cli = [sys.executable, "-m", "trestle"]
        init = subprocess.run(trestle_cli + ["init"], cwd=workspace, capture_output=True, text=True)
        if init.returncode != 0:
            fail(["`trestle init` failed:", *(init.stdout + init.stderr).splitlines()])
        placed = workspace / "assessment-results" / "run" / "assessment-results.json"
        placed.parent.mkdir(parents=True)
        shutil.copyfile(path, placed)
        validate = subprocess.run(
            trestle_cli + ["validate", "-f", str(placed)], cwd=workspace, capture_output=True, text=True
        )
        said = (validate.stdout + validate.stderr).strip()
        passed = re.search(r"^VALID:", said, re.M) and not re.search(r"^INVALID", said, re.M)
        if validate.returncode != 0 or not passed:
            fail([f"`trestle validate` failed (exit {validate.returncode}):", *said.splitlines()])

    results = ar["results"]
    print(
        f"oscal_check: {path}: valid OSCAL {claimed} assessment-results for compliance-trestle "
        f"{trestle.__version__} (models OSCAL {trestle.oscal.OSCAL_VERSION}); round trip unchanged; "
        f"references resolve; `trestle validate` passes; {len(results)} result(s), "
        f"{sum(len(r.get('observations', [])) for r in results)} observation(s), "
        f"{sum(len(r.get('findings', [])) for r in results)} finding(s)"
    )


if __name__ == "__main__":
    main()
