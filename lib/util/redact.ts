/**
 * The one redactor: what counts as a secret, and the text with it taken out. Every line cci
 * prints (stdout and stderr, `redactConsole`), every text file it writes (`OutputSet.write`),
 * the trainer's `train.log` and the output of children it relays pass through `redactText`:
 *
 * - credentials inside a URL (`https://user:TOKEN@host/simple` → `https://***@host/simple`),
 *   anywhere in the text, so a `--pip-arg` index URL or an HF_ENDPOINT with userinfo never shows;
 * - the values of environment variables with secret names (HF_TOKEN, OPENAI_API_KEY, …), and of
 *   URL-valued settings that carry userinfo (HF_ENDPOINT, PIP_INDEX_URL, …), wherever they appear;
 * - assignments of a secret name: `HF_TOKEN=…` (environment-style names), `--token …`, `--api-key=…`.
 */

/** A name holding a secret anywhere in it (HF_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, GH_CREDENTIALS, OPENAI_API_KEY). */
const SECRET_ANYWHERE = /TOKEN|SECRET|PASSW(OR)?D|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY/i;
/** A name with one of these as a whole `_`-separated part (HF_AUTH, FTP_PASS, WANDB_KEY, GH_CREDS); PWD (the current folder) is none. */
const SECRET_PART = /(^|_)(AUTH|AUTHZ|AUTHORIZATION|PASS|PASSPHRASE|KEY|CREDS?|COOKIE|SESSION|BEARER)(_|$)/i;

export const REDACTED = "[redacted]";

export function isSecretName(name: string): boolean {
  return SECRET_ANYWHERE.test(name) || SECRET_PART.test(name);
}

/** The URL with any user name and password replaced by `***` (unchanged when it has none or is no URL). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "***";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

/** Shorter values are too common to blank out everywhere (a 3-letter password would redact words). */
const MIN_SECRET = 6;

/** The environment values to blank out: those of secret names, and the userinfo of URL-valued ones (HF_ENDPOINT=http://u:p@…). */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== "string") continue;
    if (isSecretName(k) && v.length >= MIN_SECRET) found.add(v);
    for (const m of v.matchAll(URL_USERINFO)) if (m[2].length >= MIN_SECRET) found.add(m[2]);
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `scheme://userinfo@` — userinfo without `/`, `@` or whitespace (RFC 3986's authority). */
const URL_USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@\s"'<>]+)@/g;
/** `HF_TOKEN=value`, `export OPENAI_API_KEY="value"` (environment-style names only), `--token value`, `--api-key=value`. */
const ASSIGNMENT = /(\b[A-Z][A-Z0-9_]*=|--(?:hf-)?(?:token|api-key|password|passwd|secret|auth|access-key)(?:=|\s+))("[^"\n]*"|'[^'\n]*'|[^\s"',;]+)/g;

/** `text` with every secret (URL userinfo, secret environment values, assignments of secret names) replaced. */
export function redactText(text: string, secrets: readonly string[] = secretValues()): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  if (out.includes("://")) out = out.replace(URL_USERINFO, (m, scheme: string, info: string) => (info === "***" ? m : `${scheme}***@`));
  out = out.replace(ASSIGNMENT, (m, lead: string, value: string) => {
    // MAX_TOKENS=512 is a count, not a token.
    if (lead.endsWith("=") && !lead.startsWith("--") && (!isSecretName(lead.slice(0, -1)) || /TOKENS/.test(lead))) return m;
    const q = value[0] === '"' || value[0] === "'" ? value[0] : "";
    const bare = value.slice(q.length, value.length - q.length);
    // A reference or a placeholder (`$HF_TOKEN`, `<token>`, `…`) is no secret; real ones are long.
    if (bare === REDACTED || bare.length < MIN_SECRET || /^[$<{*]/.test(bare)) return m;
    return `${lead}${q}${REDACTED}${q}`;
  });
  return out;
}

let consoleHooked = false;

/** Route everything written to stdout and stderr (strings and UTF-8 buffers) through `redactText`. */
export function redactConsole(): void {
  if (consoleHooked) return;
  consoleHooked = true;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(redactChunk(chunk), ...rest)) as typeof stream.write;
  }
}

function redactChunk(chunk: unknown): unknown {
  if (typeof chunk === "string") return redactText(chunk);
  if (chunk instanceof Uint8Array) {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
    // Binary (a PNG to stdout) is passed as it is; only text that survives a UTF-8 round trip is redacted.
    if (!text.includes("\uFFFD")) {
      const red = redactText(text);
      if (red !== text) return Buffer.from(red, "utf8");
    }
  }
  return chunk;
}

/**
 * A line-wise relay for a child's output: feed it chunks, it passes whole lines through
 * `redactText` to `sink` (a secret is never split across two writes); `end()` flushes the rest.
 */
export function redactLines(sink: (text: string) => void, secrets: readonly string[] = secretValues()): { write: (chunk: string | Uint8Array) => void; end: () => void } {
  let rest = "";
  const decoder = new TextDecoder();
  return {
    write(chunk) {
      rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      const cut = Math.max(rest.lastIndexOf("\n"), rest.lastIndexOf("\r"));
      if (cut < 0) return;
      sink(redactText(rest.slice(0, cut + 1), secrets));
      rest = rest.slice(cut + 1);
    },
    end() {
      rest += decoder.decode();
      if (rest) sink(redactText(rest, secrets));
      rest = "";
    },
  };
}

