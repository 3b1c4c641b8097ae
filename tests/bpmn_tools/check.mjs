// Reads a BPMN file with bpmn.io's own parser and lints it with bpmnlint's recommended rules.
// Usage: node check.mjs FILE.bpmn
// Prints one JSON object: {"warnings": [...], "reports": [{"rule", "id", "message", "category"}]}.
// Exits 0 when the file was read (whatever it found), 1 when it could not be read at all.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

async function parse(xml) {
  const moddle = new BpmnModdle();
  const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
  return { definitions: rootElement, warnings: warnings.map((warning) => warning.message) };
}

async function lint(definitions) {
  const linter = new Linter({
    config: { extends: 'bpmnlint:recommended' },
    resolver: new NodeResolver()
  });
  const results = await linter.lint(definitions);
  return Object.entries(results).flatMap(([rule, reports]) =>
    reports.map(({ id, message, category }) => ({ rule, id, message, category }))
  );
}

async function main(path) {
  if (!path) {
    throw new Error('usage: node check.mjs FILE.bpmn');
  }
  const { definitions, warnings } = await parse(await readFile(path, 'utf8'));
  const reports = await lint(definitions);
  process.stdout.write(JSON.stringify({ warnings, reports }) + '\n');
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`check.mjs: ${error.message}\n`);
  process.exit(1);
});
