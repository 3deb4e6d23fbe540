/**
 * Applies planned changes to wrangler JSONC as minimal text edits.
 *
 * `jsonc-parser` locates nodes (`parseTree`/`findNodeAtLocation`) and performs the edits (`applyEdits`), but
 * its `modify` formatter re-flows the whole line around an edit: appending to `[{ ... } // comment]` rewrote
 * the neighbouring element and pushed the user's trailing comment past the new one. So the text to insert is
 * built here instead: new siblings go on their own line after the last sibling's line (its trailing comment
 * stays with it), in the sibling's style (one-line `{ "a": 1 }` or multi-line), with the file's indentation
 * and line endings. Anything unusual (empty containers, inline removals) falls back to plain `modify`.
 */
import { applyEdits, type Edit, findNodeAtLocation, modify, type Node, parseTree } from "jsonc-parser";
import { BOM, detectStyle, type EditOp, lineIndent, type TextStyle } from "./jsonc-text.js";

/** Applies the ops in order, each to the text the previous one produced. */
export function applyOps(text: string, ops: readonly EditOp[]): string {
  const hasBom = text.startsWith(BOM);
  let body = hasBom ? text.slice(1) : text;
  const style = detectStyle(body);
  for (const op of ops) body = applyEdits(body, editsFor(body, op, style));
  return hasBom ? BOM + body : body;
}

function editsFor(text: string, op: EditOp, style: TextStyle): Edit[] {
  const tree = parseTree(text, [], { allowTrailingComma: true });
  if (tree === undefined) return fallback(text, op);
  if (op.append) {
    const array = findNodeAtLocation(tree, op.path);
    if (array?.type !== "array") return fallback(text, op);
    return appendSibling(text, array, (indent, multiline) => serialize(op.value, indent, style, multiline), style);
  }
  const node = findNodeAtLocation(tree, op.path);
  const key = op.path[op.path.length - 1];
  if (op.value === undefined) return node === undefined ? [] : removeProperty(text, node, op);
  if (node !== undefined) {
    const multiline = text.slice(node.offset, node.offset + node.length).includes("\n");
    const content = serialize(op.value, lineIndent(text, node.offset), style, multiline);
    return [{ offset: node.offset, length: node.length, content }];
  }
  const parent = findNodeAtLocation(tree, op.path.slice(0, -1));
  if (parent?.type !== "object" || typeof key !== "string") return fallback(text, op);
  if (typeof op.value === "object" && op.value !== null) {
    // A block added to a one-line object (`"staging": { "vars": {...} }`) opens it up, one member per line.
    const expanded = expandWith(
      text,
      parent,
      (indent) => `${JSON.stringify(key)}: ${serialize(op.value, indent, style, true)}`,
      style,
    );
    if (expanded !== undefined) return expanded;
  }
  return appendSibling(
    text,
    parent,
    (indent, multiline) => `${JSON.stringify(key)}: ${serialize(op.value, indent, style, multiline)}`,
    style,
  );
}

/**
 * Adds a member after the last one of `container` (an array or object node). The new member takes the last
 * member's indentation and, for one-line members, its one-line style; a multi-line container gets the member
 * on a new line after the last member's line, so that line's trailing comment stays where it was.
 */
function appendSibling(
  text: string,
  container: Node,
  render: (indent: string, multiline: boolean) => string,
  style: TextStyle,
): Edit[] {
  const last = container.children?.[container.children.length - 1];
  const containerText = text.slice(container.offset, container.offset + container.length);
  if (last === undefined || !containerText.includes("\n")) {
    if (last === undefined) return replaceEmpty(text, container, render, style);
    // One-line container (`["Room"]`, `{ "a": 1 }`): stay on that line.
    const after = skipTrivia(text, last.offset + last.length);
    const hasComma = text[after] === ",";
    const at = hasComma ? after + 1 : last.offset + last.length;
    return [{ offset: at, length: 0, content: `${hasComma ? " " : ", "}${render("", false)}${hasComma ? "," : ""}` }];
  }
  const indent = lineIndent(text, last.offset);
  const member = render(indent, siblingIsMultiline(text, last));
  const end = last.offset + last.length;
  const afterLast = skipTrivia(text, end);
  const hasComma = text[afterLast] === ",";
  const edits: Edit[] = [];
  if (!hasComma) edits.push({ offset: end, length: 0, content: "," });
  const lineEnd = endOfLine(text, hasComma ? afterLast + 1 : end);
  const closesOnLine = /[\]}]/.test(stripLineComment(text.slice(end, lineEnd)));
  const at = closesOnLine ? (hasComma ? afterLast + 1 : end) : lineEnd;
  edits.push({ offset: at, length: 0, content: `${style.eol}${indent}${member}${hasComma ? "," : ""}` });
  return edits;
}

/**
 * For a one-line object with members: puts each member on its own line (only the whitespace between them
 * changes) and adds the new member last. `undefined` when the object already spans lines, is empty, or has a
 * comment between members (then the plain append keeps it on its line).
 */
function expandWith(
  text: string,
  object: Node,
  render: (indent: string) => string,
  style: TextStyle,
): Edit[] | undefined {
  const children = object.children ?? [];
  const end = object.offset + object.length - 1; // the closing brace
  if (children.length === 0 || text.slice(object.offset, end + 1).includes("\n")) return undefined;
  const outer = lineIndent(text, object.offset);
  const inner = outer + style.indentUnit;
  const edits: Edit[] = [];
  let gapStart = object.offset + 1;
  let comma = false;
  for (const child of children) {
    if (text.slice(gapStart, child.offset).trim() !== "") return undefined;
    edits.push({ offset: gapStart, length: child.offset - gapStart, content: `${style.eol}${inner}` });
    const after = skipTrivia(text, child.offset + child.length);
    comma = text[after] === ",";
    gapStart = comma ? after + 1 : child.offset + child.length;
  }
  if (text.slice(gapStart, end).trim() !== "") return undefined;
  const member = `${comma ? "" : ","}${style.eol}${inner}${render(inner)}${comma ? "," : ""}${style.eol}${outer}`;
  edits.push({ offset: gapStart, length: end - gapStart, content: member });
  return edits;
}

/**
 * Whether a new member should span lines: like its last sibling when that is an object or array (one-line
 * bindings stay one-line), otherwise yes (a new `"containers": [...]` after `"main": "..."`).
 */
function siblingIsMultiline(text: string, last: Node): boolean {
  const value = last.type === "property" ? last.children?.[1] : last;
  if (value === undefined || (value.type !== "object" && value.type !== "array")) return true;
  return text.slice(value.offset, value.offset + value.length).includes("\n");
}

/** `[]` or `{}` becomes a multi-line container with the one member, indented one unit deeper than its line. */
function replaceEmpty(
  text: string,
  container: Node,
  render: (indent: string, multiline: boolean) => string,
  style: TextStyle,
): Edit[] {
  const outer = lineIndent(text, container.offset);
  const inner = outer + style.indentUnit;
  const [open, close] = container.type === "array" ? ["[", "]"] : ["{", "}"];
  const content = `${open}${style.eol}${inner}${render(inner, true)}${style.eol}${outer}${close}`;
  return [{ offset: container.offset, length: container.length, content }];
}

/** Removes a property that sits on its own line(s), with its comma; anything else goes through `modify`. */
function removeProperty(text: string, valueNode: Node, op: EditOp): Edit[] {
  const prop = valueNode.parent;
  const object = prop?.parent;
  if (prop?.type !== "property" || object?.type !== "object" || object.children === undefined) {
    return fallback(text, op);
  }
  const lineStart = text.lastIndexOf("\n", prop.offset - 1) + 1;
  const ownLine = text.slice(lineStart, prop.offset).trim() === "";
  const end = prop.offset + prop.length;
  const afterProp = skipTrivia(text, end);
  const hasComma = text[afterProp] === ",";
  const lineEnd = endOfLine(text, hasComma ? afterProp + 1 : end);
  if (!ownLine || /\S/.test(stripLineComment(text.slice(hasComma ? afterProp + 1 : end, lineEnd)))) {
    return fallback(text, op);
  }
  const nextLine = text.indexOf("\n", lineEnd);
  const edits: Edit[] = [
    { offset: lineStart, length: (nextLine === -1 ? text.length : nextLine + 1) - lineStart, content: "" },
  ];
  const index = object.children.indexOf(prop);
  const previous = object.children[index - 1];
  if (!hasComma && previous !== undefined) {
    // The removed property was last: the one before it must lose its comma (unless the file uses trailing ones).
    const comma = skipTrivia(text, previous.offset + previous.length);
    if (text[comma] === ",") edits.push({ offset: comma, length: 1, content: "" });
  }
  return edits;
}

function fallback(text: string, op: EditOp): Edit[] {
  return modify(text, op.append ? [...op.path, -1] : op.path, op.value, { isArrayInsertion: op.append === true });
}

/**
 * JSON text for `value` placed on a line indented by `indent`. Arrays of scalars stay on one line
 * (`["A", "B"]`, as wrangler's docs write them); objects are one-line `{ "a": 1 }` or one member per line.
 */
export function serialize(value: unknown, indent: string, style: TextStyle, multiline: boolean): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.every((v) => typeof v !== "object" || v === null))
      return `[${items.map((v) => JSON.stringify(v)).join(", ")}]`;
    const inner = indent + style.indentUnit;
    return `[${items.map((v) => `${style.eol}${inner}${serialize(v, inner, style, multiline)}`).join(",")}${style.eol}${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  if (!multiline)
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${serialize(v, indent, style, false)}`).join(", ")} }`;
  const inner = indent + style.indentUnit;
  const members = entries.map(
    ([k, v]) => `${style.eol}${inner}${JSON.stringify(k)}: ${serialize(v, inner, style, true)}`,
  );
  return `{${members.join(",")}${style.eol}${indent}}`;
}

/** Index of the first character at or after `offset` that is not whitespace or a comment. */
function skipTrivia(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? "")) i++;
    else if (text.startsWith("//", i)) i = endOfLine(text, i);
    else if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? text.length : close + 2;
    } else break;
  }
  return i;
}

/** Offset of the line break (before `\r\n` or `\n`) ending the line that contains `offset`. */
function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  if (nl === -1) return text.length;
  return text[nl - 1] === "\r" ? nl - 1 : nl;
}

function stripLineComment(segment: string): string {
  return segment.replace(/\/\/.*$/, "").replace(/\/\*.*?\*\//g, "");
}
