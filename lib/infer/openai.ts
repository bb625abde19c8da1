/**
 * The openai backend: any OpenAI-compatible `/v1/completions` server, above all vLLM serving one
 * base with all its LoRA adapters (`cci serve plan`), the adapter's name as `model`.
 *
 * Each prompt goes as token ids (`prompt: [ids]`, so the server never re-tokenizes) with
 * `max_tokens: 1`; the answer must carry the log-probabilities of the three answer tokens at the
 * next position. Two ways to get them exactly (`--logprobs-via`):
 *  - `logprob_token_ids` (vLLM's per-request list of token ids whose log-probs it returns,
 *    whatever their rank; on the OpenAI routes since vLLM PR #43463, where `logprobs` must still
 *    be set and `top_logprobs[0]` then holds the sampled token plus every requested id) — raw
 *    log-probs of the full distribution;
 *  - `allowed_token_ids` (vLLM's whitelist) with `logprobs: 3`, for servers without the former.
 *    With `--logprobs-mode processed_logprobs` the log-probs are taken after the whitelist, so the
 *    top 3 are exactly the three answer tokens (log-softmax over them). With the default raw mode
 *    vLLM takes them before the whitelist: the top 3 of the whole vocabulary, which may miss an
 *    answer token — such an answer is refused below.
 * Either way the rule (rule.ts) renormalises the three log-probs, which equals the softmax of the
 * three logits. `return_tokens_as_token_ids` makes vLLM name tokens `token_id:N`, so no
 * detokenisation ambiguity; plain token strings `A`/`B`/`C` are accepted too. An answer that
 * lacks any of the three tokens is refused, never guessed.
 *
 * Requests run with bounded concurrency, a per-request timeout, and retries with exponential
 * backoff (honouring Retry-After) on 429, 5xx, timeouts and dropped connections.
 */
import { redactUrl } from "../util/redact";
import { UserError } from "../util/errors";
import { LETTERS } from "../prompts/pieces";
import type { OnScored, Scorer } from "./backend";
import type { ScoreInput } from "./inputs";

export const LOGPROBS_VIA = ["logprob_token_ids", "allowed_token_ids"] as const;
export type LogprobsVia = (typeof LOGPROBS_VIA)[number];

export interface OpenAIOptions {
  /** Base URL, e.g. http://localhost:8000/v1 (the `/completions` path is appended). */
  url: string;
  /** The served model: the adapter's name (`--lora-modules NAME=…`) or the base. */
  model: string;
  answerIds: readonly number[];
  concurrency?: number;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  /** Attempts per request before giving up (the run stops; its journal keeps what was scored). */
  maxAttempts?: number;
  /** First backoff in ms; doubles each retry, with jitter, capped at 30 s. */
  backoffMs?: number;
  via?: LogprobsVia;
  /** Bearer token (e.g. from OPENAI_API_KEY), sent when set. */
  apiKey?: string;
  /** Called on every retry (for logs). */
  onRetry?: (id: string, attempt: number, reason: string) => void;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_ATTEMPTS = 8;

/** The request body for one prompt. */
export function completionBody(model: string, inputIds: readonly number[], answerIds: readonly number[], via: LogprobsVia): Record<string, unknown> {
  const body: Record<string, unknown> = { model, prompt: [...inputIds], max_tokens: 1, temperature: 0, logprobs: 3, echo: false, return_tokens_as_token_ids: true };
  if (via === "logprob_token_ids") body.logprob_token_ids = [...answerIds];
  else body.allowed_token_ids = [...answerIds];
  return body;
}

/**
 * The three log-probs of one completion answer, in letter order; a one-line error naming the
 * missing letter(s) when the server did not return them all.
 */
export function answerLogprobs(json: unknown, answerIds: readonly number[]): [number, number, number] | string {
  const top = (json as { choices?: { logprobs?: { top_logprobs?: unknown[] } }[] })?.choices?.[0]?.logprobs?.top_logprobs?.[0];
  if (typeof top !== "object" || top === null) return "no choices[0].logprobs.top_logprobs[0] in the answer";
  const table = top as Record<string, unknown>;
  const missing: string[] = [];
  const out = answerIds.map((id, k) => {
    const v = table[`token_id:${id}`] ?? table[LETTERS[k]];
    if (typeof v !== "number" || !Number.isFinite(v)) missing.push(`${LETTERS[k]} (token ${id})`);
    return v as number;
  });
  if (missing.length) return `the answer lacks the log-prob of ${missing.join(", ")}`;
  return out as [number, number, number];
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function requestOnce(endpoint: string, body: Record<string, unknown>, opts: OpenAIOptions): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...authorization(opts) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === "TimeoutError") throw new Retryable(`no answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`);
    throw new Retryable(`connection failed (${e.cause?.code ?? e.message})`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new Retryable(`connection dropped while reading the answer (${(err as Error).message})`);
  }
  if (res.status === 429 || res.status >= 500) {
    const ra = Number(res.headers.get("retry-after"));
    throw new Retryable(`HTTP ${res.status}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
  }
  if (!res.ok) throw new UserError(`${endpoint}: HTTP ${res.status} for model ${opts.model}: ${text.slice(0, 300).replace(/\s+/g, " ")}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Retryable(`answer is not JSON (${text.slice(0, 80)})`);
  }
}

/** The documented backoff's ceiling (ms). */
export const MAX_BACKOFF_MS = 30_000;

/**
 * How long to wait before retry `attempt`: the backoff (doubling from `first`, with jitter), or
 * the server's Retry-After — capped by the backoff's ceiling and by --timeout, so a server saying
 * `Retry-After: 86400` does not park the run for a day.
 */
export function retryDelayMs(attempt: number, first: number, retryAfterMs: number | undefined, timeoutMs: number): number {
  const cap = Math.min(MAX_BACKOFF_MS, timeoutMs);
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, cap);
  return Math.min(MAX_BACKOFF_MS, first * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

/** One prompt → its three log-probs, retrying what can be retried. */
export async function scoreOne(endpoint: string, x: ScoreInput, opts: OpenAIOptions): Promise<[number, number, number]> {
  const body = completionBody(opts.model, x.inputIds, opts.answerIds, opts.via ?? "logprob_token_ids");
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const first = opts.backoffMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const json = await requestOnce(endpoint, body, opts);
      const lp = answerLogprobs(json, opts.answerIds);
      if (typeof lp === "string")
        throw new UserError(
          `${endpoint}: example ${x.id}: ${lp} — the server must return the three answer tokens' log-probs (vLLM with logprob_token_ids, or --logprobs-via allowed_token_ids)`,
        );
      return lp;
    } catch (err) {
      if (!(err instanceof Retryable)) throw err;
      if (attempt >= maxAttempts) throw new UserError(`${endpoint}: example ${x.id}: gave up after ${attempt} attempts (last: ${err.message})`);
      opts.onRetry?.(x.id, attempt, err.message);
      await sleep(retryDelayMs(attempt, first, err.retryAfterMs, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    }
  }
}

/** Bearer from the API key, else Basic from credentials that were in the URL (fetch refuses a URL holding them). */
function authorization(opts: OpenAIOptions & { basic?: string }): Record<string, string> {
  if (opts.apiKey) return { authorization: `Bearer ${opts.apiKey}` };
  return opts.basic ? { authorization: `Basic ${opts.basic}` } : {};
}

/**
 * The server's base URL, checked (http or https) and without credentials: `user:pass@` moves
 * into a Basic header, so it is never printed, journaled or put in an error line.
 */
export function serverUrl(url: string): { url: string; basic?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--url ${JSON.stringify(redactUrl(url))}: not a URL (expected e.g. http://localhost:8000/v1)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new UserError(`--url ${redactUrl(url)}: expected an http:// or https:// URL`);
  if (!u.username && !u.password) return { url };
  let user: string;
  let pass: string;
  try {
    [user, pass] = [decodeURIComponent(u.username), decodeURIComponent(u.password)];
  } catch {
    throw new UserError(`--url ${redactUrl(url)}: a bad %-escape in its user name or password`);
  }
  const basic = Buffer.from(`${user}:${pass}`).toString("base64");
  u.username = "";
  u.password = "";
  return { url: u.toString(), basic };
}

export function openaiScorer(given: OpenAIOptions): Scorer {
  const { url, basic } = serverUrl(given.url);
  const opts = { ...given, url, basic };
  const endpoint = `${opts.url.replace(/\/+$/, "")}/completions`;
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  return {
    describe: `openai ${endpoint} model ${opts.model} (concurrency ${concurrency}, via ${opts.via ?? "logprob_token_ids"})`,
    async score(inputs: readonly ScoreInput[], onScored: OnScored) {
      let next = 0;
      let failed: unknown;
      // A fixed pool of workers pulls the next prompt: at most `concurrency` requests in flight.
      const worker = async () => {
        while (failed === undefined && next < inputs.length) {
          const x = inputs[next++];
          try {
            onScored(x.id, await scoreOne(endpoint, x, opts));
          } catch (err) {
            failed ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
      if (failed !== undefined) throw failed;
    },
  };
}
