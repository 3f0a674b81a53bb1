/**
 * Every class, function and constant exported from lib/index.ts has a doc
 * comment, which editors show on hover and the .d.ts files carry to users.
 */
import path from 'node:path';
import ts from 'typescript';

const INDEX = path.resolve(__dirname, '..', 'lib', 'index.ts');
const program = ts.createProgram([INDEX], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: ['node'] });
const checker = program.getTypeChecker();
const publicExports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!);

/** The exported values (classes, functions, constants), each by its exported name. */
function exportedValues(): [string, ts.Symbol][] {
  return publicExports
    .map((exp): [string, ts.Symbol] => [exp.name, exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp])
    .filter(([, s]) => (s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) !== 0);
}

/** Whether one of the symbol's declarations (a function's overloads, a const's statement) carries a JSDoc comment. */
function documented(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((d) => {
    const node = ts.isVariableDeclaration(d) ? d.parent.parent : d;
    return ts.getJSDocCommentsAndTags(node).some((doc) => ts.isJSDoc(doc) && (doc.comment ?? '') !== '');
  });
}

test('every exported class, function and constant has a doc comment', () => {
  const missing = exportedValues()
    .filter(([, s]) => !documented(s))
    .map(([name, s]) => `${name} (${path.relative(path.dirname(INDEX), s.declarations![0].getSourceFile().fileName)})`);
  expect(missing).toEqual([]);
});

test('the check sees classes, functions and constants', () => {
  const names = new Map(exportedValues());
  for (const name of ['Tensor', 'Solver', 'zeros', 'affineForward', 'LAYERS', 'CIFAR10_CLASSES']) expect(names.has(name)).toBe(true);
  expect(documented(names.get('affineForward')!)).toBe(true);
});
