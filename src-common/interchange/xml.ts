/** A small XML reader and escaper: enough for ELAN files, with the well-formedness checks that matter for them. */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

// Characters XML 1.0 cannot hold, not even as character references.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching exactly those characters is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: `\r` as a reference so that line-end normalisation keeps it; unrepresentable characters become U+FFFD. */
export const escapeText = (s: string) =>
  s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');

/** Attribute values: also quotes, and whitespace as references so attribute normalisation keeps it. */
export const escapeAttribute = (s: string) => escapeText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string, at: number): string {
  return s.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlError(`a bare "&" (write &amp;)`, at);
    if (name in NAMED) return NAMED[name] as string;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : Number.NaN;
    if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlError(`unknown entity &${name};`, at);
    return String.fromCodePoint(code);
  });
}

export class XmlError extends Error {
  constructor(message: string, at: number) {
    super(`XML: ${message} at offset ${at}`);
  }
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

/** Parses a document into its root element; throws XmlError on anything not well-formed. */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const stack: XmlElement[] = [];
  const found: { root: XmlElement | null } = { root: null };
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (chunk.length) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(chunk, i);
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element', i);
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) throw new XmlError('unclosed processing instruction', i);
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      if (end < 0) throw new XmlError('unclosed comment', i);
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      const top = stack[stack.length - 1];
      if (end < 0 || !top) throw new XmlError('CDATA outside an element or unclosed', i);
      top.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      if (found.root || stack.length) throw new XmlError('a declaration inside the document', i);
      const end = text.indexOf('>', i); // a DOCTYPE without an internal subset
      if (end < 0) throw new XmlError('unclosed declaration', i);
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const name = NAME.exec(text.slice(i + 2))?.[0];
      const end = text.indexOf('>', i);
      const open = stack.pop();
      if (!name || end < 0 || text.slice(i + 2 + name.length, end).trim() !== '') throw new XmlError('malformed end tag', i);
      if (!open || open.name !== name) throw new XmlError(`</${name}> does not close <${open?.name ?? 'nothing'}>`, i);
      i = end + 1;
    } else {
      i = readStartTag(text, i, stack, (element) => {
        if (found.root) throw new XmlError('more than one root element', i);
        found.root = element;
      });
    }
  }
  if (stack.length) throw new XmlError(`<${stack[stack.length - 1]?.name}> is never closed`, text.length);
  if (!found.root) throw new XmlError('no root element', 0);
  return found.root;
}

function readStartTag(text: string, start: number, stack: XmlElement[], setRoot: (e: XmlElement) => void): number {
  const name = NAME.exec(text.slice(start + 1))?.[0];
  if (!name) throw new XmlError('malformed start tag', start);
  const element: XmlElement = { name, attributes: {}, children: [], text: '' };
  let i = start + 1 + name.length;
  for (;;) {
    const ws = /^\s*/.exec(text.slice(i))?.[0].length ?? 0;
    i += ws;
    if (text.startsWith('/>', i) || text[i] === '>') break;
    if (ws === 0) throw new XmlError(`attributes of <${name}> must be separated by spaces`, i);
    const attr = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(i));
    if (!attr) throw new XmlError(`malformed attribute in <${name}>`, i);
    const key = attr[1] as string;
    if (key in element.attributes) throw new XmlError(`duplicate attribute ${key} in <${name}>`, i);
    // Attribute-value normalisation: literal whitespace becomes a space; references keep what they stand for.
    element.attributes[key] = decodeEntities((attr[3] ?? attr[4] ?? '').replace(/[\t\n]/g, ' '), i);
    i += attr[0].length;
  }
  const parent = stack[stack.length - 1];
  if (parent) parent.children.push(element);
  else if (stack.length === 0) setRoot(element);
  if (text.startsWith('/>', i)) return i + 2;
  stack.push(element);
  return i + 1;
}

/** Children with this name. */
export const childrenNamed = (element: XmlElement, name: string) => element.children.filter((c) => c.name === name);
