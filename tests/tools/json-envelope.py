#!/usr/bin/env python3
"""Check one ficus --json answer: json-envelope.py EXIT [KEY...] < stdout.

The whole of standard output is one JSON object with "ficus": 1 and a
boolean "ok"; ok is true exactly when EXIT is 0; on failure "error" is a
non-empty string and "exit" equals EXIT.  Each KEY must be present (the
verb's documented data, ficus-json(7)).  Exit 1 with the reason otherwise.
"""
import json
import sys


def main():
    status = int(sys.argv[1])
    keys = sys.argv[2:]
    text = sys.stdin.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        return "not one JSON document (%s): %r" % (e, text[:200])
    if not isinstance(doc, dict):
        return "not an object: %r" % text[:200]
    if doc.get("ficus") != 1:
        return '"ficus" is not 1'
    if not isinstance(doc.get("ok"), bool):
        return '"ok" is not a boolean'
    if doc["ok"] != (status == 0):
        return '"ok" is %s but the exit status is %d' % (doc["ok"], status)
    if status:
        if not isinstance(doc.get("error"), str) or not doc["error"]:
            return 'a failure without an "error" message'
        if doc.get("exit") != status:
            return '"exit" is %r, the exit status %d' % (doc.get("exit"), status)
    elif "error" in doc or "exit" in doc:
        return 'a success with "error" or "exit"'
    for k in keys:
        if k not in doc:
            return 'no "%s" key (has %s)' % (k, ", ".join(sorted(doc)))
    return None


if __name__ == "__main__":
    why = main()
    if why:
        print(why, file=sys.stderr)
        sys.exit(1)
