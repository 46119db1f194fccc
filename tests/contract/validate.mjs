// Validates AsyncAPI documents with the official parser (@asyncapi/parser 3, pinned in
// package-lock.json):
//
//   node tests/contract/validate.mjs FILE...
//
// Prints one JSON line: {"ok": bool, "files": [{"file", "errors": [...], "warnings": n}]}.
// `ok` is true when no document has a diagnostic of severity error. Exit 0 when ok, 1 when
// not, 2 on bad usage.

import fs from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE...");
  process.exit(2);
}

const parser = new Parser();
const results = [];
for (const file of files) {
  const diagnostics = await parser.validate(fs.readFileSync(file, "utf8"));
  const errors = diagnostics
    .filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => `${d.code}: ${d.message} at /${d.path.join("/")}`);
  results.push({ file, errors, warnings: diagnostics.length - errors.length });
}
const ok = results.every((r) => r.errors.length === 0);
console.log(JSON.stringify({ ok, files: results }));
process.exit(ok ? 0 : 1);
