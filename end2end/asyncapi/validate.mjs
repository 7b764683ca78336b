// Validates AsyncAPI documents (JSON or YAML files) with the AsyncAPI
// parser, Avro schemas included: prints every diagnostic and exits 1 when
// one of them is an error. Used by server/tests/asyncapi.rs.
//
//   node end2end/asyncapi/validate.mjs FILE...

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

// Both packages are CommonJS.
const require = createRequire(import.meta.url);
const { Parser, DiagnosticSeverity } = require('@asyncapi/parser');
const { AvroSchemaParser } = require('@asyncapi/avro-schema-parser');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node validate.mjs FILE...');
  process.exit(2);
}

const parser = new Parser();
parser.registerSchemaParser(AvroSchemaParser());

const names = Object.fromEntries(
  Object.entries(DiagnosticSeverity).map(([name, value]) => [value, name.toLowerCase()]),
);

let failed = false;
for (const file of files) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  for (const d of diagnostics) {
    const where = d.path && d.path.length ? ` at ${d.path.join('.')}` : '';
    const line = `${file}: ${names[d.severity] ?? d.severity} ${d.code}${where}: ${d.message}`;
    if (d.severity === DiagnosticSeverity.Error) {
      console.error(line);
    } else {
      console.log(line);
    }
  }
  if (errors.length > 0 || !document) {
    failed = true;
    console.error(`${file}: not a valid AsyncAPI document (${errors.length} errors)`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}`);
  }
}
process.exit(failed ? 1 : 0);
