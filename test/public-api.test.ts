/**
 * The public API as the TypeScript compiler sees it from lib/index.ts: every
 * type a user meets in a public signature (a parameter, a return value, a
 * property, a base class, a type argument), at any depth, is exported too, so
 * a user can name it.
 */
import path from 'node:path';
import ts from 'typescript';

const LIB = path.resolve(__dirname, '..', 'lib');
const INDEX = path.join(LIB, 'index.ts');

const program = ts.createProgram([INDEX], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: ['node'] });
const checker = program.getTypeChecker();
/** The declarations that give a type a name a user writes: what must be exported once reachable. */
const NAMED_TYPE = ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum;
const publicExports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(INDEX)!)!);

function resolved(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Whether a symbol is declared in lib/ under a name a user could write (not `__type`, `__object`, ...). */
function isOurs(symbol: ts.Symbol | undefined): boolean {
  return symbol !== undefined && !symbol.name.startsWith('__') &&
    (symbol.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(LIB + path.sep));
}

/** Whether a class member is hidden from users (private, protected or #private). */
function isHidden(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).every((d) => {
    const flags = ts.getCombinedModifierFlags(d);
    return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 ||
      (ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d)) && ts.isPrivateIdentifier(d.name);
  });
}

/**
 * The types declared in lib/ that users meet through the public exports,
 * each with the path by which it is reached.
 */
function reachableTypes(): Map<ts.Symbol, string> {
  const found = new Map<ts.Symbol, string>();
  const seen = new Set<ts.Type>();
  const note = (symbol: ts.Symbol | undefined, via: string): void => {
    if (symbol === undefined || !isOurs(symbol)) return;
    // A method's or function's own symbol names no type: only declared types are a user's to name.
    if (!(resolved(symbol).flags & NAMED_TYPE) || found.has(resolved(symbol))) return;
    found.set(resolved(symbol), via);
  };
  const signature = (sig: ts.Signature, via: string): void => {
    for (const p of sig.getParameters()) walk(checker.getTypeOfSymbol(p), `${via}(${p.name})`);
    for (const tp of sig.getTypeParameters() ?? []) {
      const constraint = tp.getConstraint();
      if (constraint) walk(constraint, `${via}<${tp.symbol.name}>`);
    }
    walk(sig.getReturnType(), `${via}()`);
  };
  const walk = (type: ts.Type, via: string): void => {
    if (seen.has(type)) return;
    seen.add(type);
    note(type.aliasSymbol, via);
    for (const arg of type.aliasTypeArguments ?? []) walk(arg, `${via}<>`);
    if (type.isUnionOrIntersection()) {
      for (const t of type.types) walk(t, via);
      return;
    }
    if (type.flags & ts.TypeFlags.Object) {
      note(type.symbol, via);
      if ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) {
        for (const arg of checker.getTypeArguments(type as ts.TypeReference)) walk(arg, `${via}<>`);
      }
      // Types from the standard library and node are walked no further: only their type arguments matter.
      if (type.symbol !== undefined && !isOurs(type.symbol) && !type.symbol.name.startsWith('__')) return;
      if (type.isClassOrInterface()) for (const base of checker.getBaseTypes(type)) walk(base, `${via} extends`);
      for (const prop of type.getProperties()) {
        if (isHidden(prop)) continue;
        walk(checker.getTypeOfSymbol(prop), `${via}.${prop.name}`);
      }
      for (const sig of type.getCallSignatures()) signature(sig, via);
      for (const sig of type.getConstructSignatures()) signature(sig, `new ${via}`);
      const index = checker.getIndexInfosOfType(type);
      for (const info of index) walk(info.type, `${via}[]`);
    }
  };
  for (const exp of publicExports) {
    const symbol = resolved(exp);
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class)) {
      walk(checker.getDeclaredTypeOfSymbol(symbol), exp.name);
    }
    if (symbol.flags & ts.SymbolFlags.Value) walk(checker.getTypeOfSymbol(symbol), exp.name);
  }
  return found;
}

test('every type in a public signature is exported from lib/index.ts', () => {
  const exported = new Set(publicExports.map(resolved));
  const missing = [...reachableTypes()]
    .filter(([symbol]) => !exported.has(symbol))
    .map(([symbol, via]) => `${symbol.name} (${path.relative(LIB, symbol.declarations![0].getSourceFile().fileName)}), reached by ${via}`);
  expect(missing).toEqual([]);
});

test('the walk reaches types through parameters, return values, properties and type arguments', () => {
  const reached = new Set([...reachableTypes().keys()].map((s) => s.name));
  // Tensor's shape, Solver's options, a model's Params (a Record's argument) and the Solver's callbacks' events.
  for (const name of ['Shape', 'SolverOptions', 'Params', 'IterationEvent', 'OptimConfig']) expect(reached).toContain(name);
});
