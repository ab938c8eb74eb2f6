"""Third-party checks for the Open311 black-box tests (tests/api/open311.rs).

Run with the venv that .ci/python-clients installs (georeport + jsonschema):

  client.py validate NAME            stdin: JSON; checks it against schema/NAME.json
  client.py wellformed               stdin: XML; parses it (UTF-8 declared)
  client.py validate_inline          stdin: {"schema", "instance"}; JSON Schema 2020-12 (the
                                     dialect of OpenAPI 3.1), e.g. against the service's
                                     OpenAPI document (tests/api/openapi.rs)
  client.py georeport BASE FMT CALL [ARG] [key=value ...]
      CALL: services | definition CODE | requests [filters] | request ID
      prints what the georeport client returned, as JSON

Exit status 0 and "ok"/JSON on stdout, or 1 with the reason on stderr.
"""
import json
import pathlib
import sys
import xml.etree.ElementTree as ET

HERE = pathlib.Path(__file__).resolve().parent


def validate(name: str) -> None:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry = Registry()
    for path in (HERE / "schema").glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(path.name, Resource.from_contents(contents, default_specification=DRAFT4))
    schema = json.loads((HERE / "schema" / f"{name}.json").read_text(encoding="utf-8"))
    doc = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        for e in errors[:10]:
            print(f"{list(e.path)}: {e.message}", file=sys.stderr)
        sys.exit(1)
    print("ok")


def validate_inline() -> None:
    import jsonschema

    given = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    validator = jsonschema.Draft202012Validator(given["schema"])
    errors = list(validator.iter_errors(given["instance"]))
    if errors:
        for e in errors[:10]:
            print(f"{list(e.path)}: {e.message}", file=sys.stderr)
        sys.exit(1)
    print("ok")


def wellformed() -> None:
    raw = sys.stdin.buffer.read()
    if not raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>'):
        print("no UTF-8 XML declaration", file=sys.stderr)
        sys.exit(1)
    root = ET.fromstring(raw)
    print(json.dumps({"root": root.tag, "children": len(root)}))


def georeport(base: str, fmt: str, call: str, args: list) -> None:
    from georeport import GeoReport

    client = GeoReport(base, jurisdiction="ordos.example", output_format=fmt)
    if call == "services":
        out = client.get_service_list()
    elif call == "definition":
        out = client.get_service_definition(args[0])
    elif call == "requests":
        out = client.get_service_requests(**dict(a.split("=", 1) for a in args))
    elif call == "request":
        out = client.get_service_request(args[0])
    else:
        raise SystemExit(f"unknown call {call}")
    print(json.dumps(out, ensure_ascii=False))


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "validate":
        validate(sys.argv[2])
    elif cmd == "validate_inline":
        validate_inline()
    elif cmd == "wellformed":
        wellformed()
    elif cmd == "georeport":
        georeport(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
