/**
 * A strict JSON parser for the headers of untrusted files. JSON.parse keeps
 * the last of two equal keys without a word and builds objects whose keys can
 * be `__proto__`; here objects become Maps, a repeated key is an error, the
 * nesting depth is bounded (so the recursion is) and the time is linear in
 * the text's length.
 */

/** A JSON value, with objects as Maps in the order of their keys. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Throws a SyntaxError naming the character offset of the problem. */
export function parseJson(text: string, maxDepth: number): JsonValue {
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at character ${at}`);
  };
  const space = () => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      at++;
    }
  };
  const string = (): string => {
    const start = at;
    at++;
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in a string');
      at += c === 0x5c ? 2 : 1;
    }
    at++;
    // The escapes of one string, decoded by the built-in parser: linear in its length.
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (depth: number): JsonValue => {
    space();
    const c = text[at];
    if (c === '"') return string();
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nested deeper than ${maxDepth} levels`);
      at++;
      space();
      if (c === '[') {
        const list: JsonValue[] = [];
        if (text[at] === ']') {
          at++;
          return list;
        }
        for (;;) {
          list.push(value(depth + 1));
          space();
          if (text[at] === ']') break;
          if (text[at] !== ',') fail("expected ',' or ']'");
          at++;
        }
        at++;
        return list;
      }
      const object: JsonObject = new Map();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key');
        const keyAt = at;
        const key = string();
        if (object.has(key)) {
          at = keyAt;
          fail(`repeated key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}`);
        }
        space();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        object.set(key, value(depth + 1));
        space();
        if (text[at] === '}') break;
        if (text[at] !== ',') fail("expected ',' or '}'");
        at++;
      }
      at++;
      return object;
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m === null || m[0].length === 0) return fail(at >= text.length ? 'unexpected end' : `unexpected ${JSON.stringify(text[at])}`);
    at += m[0].length;
    return Number(m[0]);
  };
  const result = value(0);
  space();
  if (at < text.length) fail('unexpected text after the value');
  return result;
}
