/**
 * The library's modules depend on each other in one direction: no chain of
 * imports that stay at run time leads from a module back to itself. In a
 * cycle, what a module finds in the other's exports while loading depends on
 * which of the two was required first. Imports of types only are erased by
 * the compiler and do not count.
 */
import fs from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const LIB = path.join(__dirname, '..', 'lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** Whether an import or export declaration names types only, so that the compiler erases it. */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false;
    if (clause.isTypeOnly) return true;
    const bindings = clause.namedBindings;
    return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) &&
      bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly);
}

/** The library modules a file imports at run time (its static imports and re-exports). */
function runtimeImports(file: string, known: Set<string>): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const node of source.statements) {
    if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) continue;
    const spec = node.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.') || typeOnly(node)) continue;
    const base = path.resolve(path.dirname(file), spec.text);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => known.has(f));
    if (target) found.push(target);
  }
  return found;
}

/** Every cycle's modules, each cycle as the chain of files that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const chain: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    chain.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...chain.slice(chain.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    chain.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

test('no module of lib/ imports itself back through others at run time', () => {
  const files = sources(LIB);
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, runtimeImports(f, known)]));
  expect(graph.get(path.join(LIB, 'validate.ts'))).toContain(path.join(LIB, 'tensor.ts'));
  const named = cycles(graph).map((c) => c.map((f) => path.relative(LIB, f)).join(' -> '));
  expect(named).toEqual([]);
});
