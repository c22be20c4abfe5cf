"""Runs the OASIS STIX validator (stix2-validator, PyPI) on a JSON list of STIX 2.1 objects read
from standard input; prints a JSON list with, for each object the validator finds errors in,
its id and those errors. Warnings (the validator's SHOULDs) are not errors and are left out."""

import json
import sys

from stix2validator import ValidationOptions, validate_instance

objects = json.load(sys.stdin)
options = ValidationOptions(version="2.1")
failed = []
for obj in objects:
    try:
        result = validate_instance(obj, options)
    except Exception as e:  # the validator itself breaks on some invalid input
        failed.append({"id": obj.get("id"), "errors": [f"the validator raised {e!r}"]})
        continue
    if not result.is_valid:
        failed.append({"id": obj.get("id"), "errors": [str(e) for e in result.errors]})
print(json.dumps({"checked": len(objects), "failed": failed}))
