/**
 * A strict JSON parser for the headers of untrusted files. JSON.parse keeps
 * the last of two equal keys without a word and builds objects whose keys can
 * be `__proto__`; here objects become Maps, a repeated key is an error, the
 * nesting depth is bounded (so the recursion is), so is the number of items
 * in one object or array, and the time is linear in the text's length.
 */

/** A JSON value, with objects as Maps in the order of their keys. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Throws a SyntaxError for text that is not JSON, a RangeError for JSON past
 * the limits, each naming the character offset of the problem.
 */
export function parseJson(text: string, limits: { maxDepth: number; maxItems: number }): JsonValue {
  const { maxDepth, maxItems } = limits;
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at character ${at}`);
  };
  const refuse = (what: string): never => {
    throw new RangeError(`${what} at character ${at}`);
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
    let escaped = false;
    at++;
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in a string');
      if (c === 0x5c) escaped = true;
      at += c === 0x5c ? 2 : 1;
    }
    at++;
    // Escapes are decoded by the built-in parser, one string at a time: linear in its length.
    return escaped ? (JSON.parse(text.slice(start, at)) as string) : text.slice(start + 1, at - 1);
  };
  const count = (n: number) => {
    if (n > maxItems) refuse(`more than ${maxItems} items in one object or array`);
  };
  const value = (depth: number): JsonValue => {
    space();
    const c = text[at];
    if (c === '"') return string();
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) refuse(`nested deeper than ${maxDepth} levels`);
      at++;
      space();
      if (c === '[') {
        const list: JsonValue[] = [];
        if (text[at] === ']') {
          at++;
          return list;
        }
        for (;;) {
          count(list.length + 1);
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
        count(object.size + 1);
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
