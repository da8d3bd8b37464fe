#!/usr/bin/env python3
"""Copies index.js into the ZipFile block of infra/cloudformation/tasks.yaml (the template inlines the code, so both
stay equal; tests/MlopsAgents.Aws.Tests checks that, and the 4096-character limit of inline code)."""
import pathlib
import re

here = pathlib.Path(__file__).resolve().parent
template = here.parents[1] / "cloudformation" / "tasks.yaml"
code = (here / "index.js").read_text(encoding="utf-8")
if len(code) > 4096:
    raise SystemExit(f"index.js has {len(code)} characters; CloudFormation inlines at most 4096")
text = template.read_text(encoding="utf-8")
match = re.search(r"^( *)ZipFile: \|\n", text, re.M)
if not match:
    raise SystemExit(f"{template} has no 'ZipFile: |' block")
indent = " " * (len(match.group(1)) + 2)
end = match.end()
while end < len(text) and (text[end] == "\n" or text.startswith(indent, end)):
    end = text.index("\n", end) + 1
block = "".join((indent + line if line else "") + "\n" for line in code.rstrip("\n").split("\n"))
template.write_text(text[: match.end()] + block + "\n" + text[end:].lstrip("\n"), encoding="utf-8")
print(f"{template}: ZipFile = index.js ({len(code)} characters)")
