// Checks the import graph of src/ (run: node scripts/check-imports.mjs): no cycle between folders (each file at
// the root of src/ counts as a folder of its own), and no stage of the data flow importing a later one — source
// and store (storage) → format readers (formats) → forward passes (reference, runtime, wasm-runtime) → backends → the worker's
// scheduler → the page-side engine. The contracts every stage shares (model/, generations/, protocol/, …) are no
// stage: they only have to stay out of cycles. Type-only and dynamic imports count. Prints each offending import and exits 1, or prints the folder graph's order and exits 0.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const STAGES = ['storage', 'formats', ['reference', 'runtime', 'wasm-runtime'], 'backend', 'worker', 'engine'];
const stageOf = new Map(STAGES.flatMap((stage, rank) => [stage].flat().map((folder) => [folder, rank])));

const root = resolve('src');
const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
})(root);

const folderOf = (file) => relative(root, file).split(sep)[0];
const edges = new Map();
const problems = [];
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(
    /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
  )) {
    const target = resolve(dirname(file), match[1] ?? match[2]).replace(/\.js$/, '.ts');
    if (!target.startsWith(root + sep)) continue;
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    edges.get(from).set(to, `${relative('.', file)} → ${relative('.', target)}`);
    if (stageOf.has(from) && stageOf.has(to) && stageOf.get(to) > stageOf.get(from)) {
      problems.push(`stage ${from} imports the later stage ${to}: ${relative('.', file)} → ${relative('.', target)}`);
    }
  }
}

// Folder cycles: depth-first search, reporting each back edge.
const state = new Map();
const order = [];
function visit(folder, path) {
  state.set(folder, 'open');
  for (const [next, example] of edges.get(folder) ?? []) {
    if (state.get(next) === 'open') {
      const cycle = [...path.slice(path.indexOf(next)), folder, next].join(' → ');
      problems.push(`folder cycle ${cycle} (closing import: ${example})`);
    } else if (!state.has(next)) visit(next, [...path, folder]);
  }
  state.set(folder, 'done');
  order.push(folder);
}
for (const folder of [...edges.keys()].sort()) if (!state.has(folder)) visit(folder, []);

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(`${files.length} files, ${order.length} folders, no folder cycle, no import against the data flow.`);
console.log(`Folders, each importing only those before it: ${order.join(', ')}`);
