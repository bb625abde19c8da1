/** Commands shown to the user or written into job scripts, quoted for a POSIX shell. */

/** POSIX shell single-quoting where needed: safe for any byte string but NUL. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell line. */
export const shellLine = (argv: readonly string[]): string => argv.map(shellQuote).join(" ");
