/**
 * Python's `json.dump(obj, f, ensure_ascii=False, indent=4)`, byte for byte, for JSON-shaped data.
 *
 * With an indent, Python separates items by "," + newline and keys by ": ", writes empty
 * containers as `[]` / `{}`, leaves non-ASCII raw and escapes only `"`, `\` and C0 controls —
 * which is exactly what `JSON.stringify` does for strings. Numbers differ: Python keeps the
 * `float` exponent form (`1e-07`), so they are formatted here.
 */
export function pythonJsonDumps(value: unknown, indent: number | null = 4): string {
  return write(value, "", indent === null ? null : " ".repeat(indent));
}

/** Python's `json.dumps(value, ensure_ascii=False)` with no indent: one line, `", "` and `": "`. */
export function pythonJsonLine(value: unknown): string {
  return pythonJsonDumps(value, null);
}

/** Top-level array items of `json.dump(list, indent=4)`, one at a time: `[\n    ITEM,\n    ITEM\n]`. */
export const ITEM_SEPARATOR = ",\n    ";

/** One item of a top-level array as `pythonJsonDumps(list)` writes it (its first line unindented). */
export function pythonJsonItem(value: unknown): string {
  return write(value, "    ", "    ");
}

/** `unit` null writes one line, as Python does without an indent. Plain loops: this runs over every example of a corpus. */
function write(value: unknown, pad: string, unit: string | null): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "object": {
      const inner = unit === null ? "" : pad + unit;
      const sep = unit === null ? ", " : `,\n${inner}`;
      if (Array.isArray(value)) {
        if (value.length === 0) return "[]";
        let out = unit === null ? "[" : `[\n${inner}`;
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : sep) + write(value[i], inner, unit);
        return unit === null ? `${out}]` : `${out}\n${pad}]`;
      }
      let out = "";
      let first = true;
      for (const key in value as Record<string, unknown>) {
        if (!Object.hasOwn(value as object, key)) continue;
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        out += `${first ? "" : sep}${JSON.stringify(key)}: ${write(v, inner, unit)}`;
        first = false;
      }
      if (first) return "{}";
      return unit === null ? `{${out}}` : `{\n${inner}${out}\n${pad}}`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}

/** Python's repr of an int or float parsed from JSON. */
export function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  // JSON integers come back as JS integers; Python prints them in full.
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) return String(n);
  // float repr: shortest round-trip digits (same as JS), exponent from 1e16 / below 1e-4,
  // with at least two exponent digits.
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mant, exp] = n.toExponential().split("e");
    const sign = exp.startsWith("-") ? "-" : "+";
    const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}
