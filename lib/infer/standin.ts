/**
 * A stand-in for an OpenAI-compatible completions server (vLLM's `/v1/completions` answer shape),
 * on 127.0.0.1 only: it answers token-id prompts with the log-probs a given function computes,
 * after a fixed service time, and can inject faults (503, dropped connection, slow answer, an
 * answer missing a token). Tests check the openai client against it; the benchmark measures the
 * client's concurrency with it; the notebook shows it. It stops by itself after `maxRequests`
 * requests or `idleMs` without one, so a forgotten server never outlives its test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Log-probs of the given token ids at the next position, for a prompt. */
export type LogprobFn = (promptIds: number[], tokenIds: number[]) => number[] | Promise<number[]>;

export type Fault = "503" | "429" | "drop" | "slow" | "omit-B" | undefined;

export interface StandInOptions {
  logprobs: LogprobFn;
  /** Fault for the n-th request (1-based), given its prompt; none by default. */
  fault?: (n: number, promptIds: number[]) => Fault;
  /** Fixed service time per request in ms (default 0). */
  serviceMs?: number;
  /** How long a "slow" answer takes, in ms (default 5000). */
  slowMs?: number;
  /** Stop after this many requests (default 100000). */
  maxRequests?: number;
  /** Stop after this long without a request, in ms (default 60000). */
  idleMs?: number;
}

export interface StandIn {
  url: string;
  /** Requests received, and answers given with log-probs, per model name. */
  stats: { requests: number; answered: number; faults: Record<string, number>; models: Set<string> };
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}


export async function startStandIn(opts: StandInOptions): Promise<StandIn> {
  const stats = { requests: 0, answered: 0, faults: {} as Record<string, number>, models: new Set<string>() };
  const maxRequests = opts.maxRequests ?? 100_000;
  const idleMs = opts.idleMs ?? 60_000;
  let idle: NodeJS.Timeout;
  const server = createServer(async (req, res) => {
    armIdle();
    const n = ++stats.requests;
    if (n >= maxRequests) setImmediate(() => void close());
    if (req.method !== "POST" || !req.url?.endsWith("/completions")) return send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    let body: { model?: string; prompt?: unknown; logprob_token_ids?: number[]; allowed_token_ids?: number[] };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: { message: "body is not JSON" } });
    }
    const prompt = body.prompt;
    if (!Array.isArray(prompt) || !prompt.every((t) => Number.isInteger(t))) return send(res, 400, { error: { message: "prompt must be a list of token ids" } });
    const ids = body.logprob_token_ids ?? body.allowed_token_ids;
    if (!Array.isArray(ids) || ids.length === 0) return send(res, 400, { error: { message: "need logprob_token_ids or allowed_token_ids" } });
    if (body.model) stats.models.add(body.model);
    const fault = opts.fault?.(n, prompt as number[]);
    if (fault) stats.faults[fault] = (stats.faults[fault] ?? 0) + 1;
    if (fault === "drop") return req.socket.destroy();
    if (fault === "503" || fault === "429") return send(res, Number(fault), { error: { message: "stand-in: busy" } });
    await sleep(fault === "slow" ? (opts.slowMs ?? 5000) : (opts.serviceMs ?? 0));
    if (res.destroyed || req.socket.destroyed) return;
    let lp = await opts.logprobs(prompt as number[], ids);
    if (!body.logprob_token_ids) lp = logSoftmaxAt(lp, lp.map((_, k) => k)); // only the allowed tokens compete
    const top: Record<string, number> = {};
    ids.forEach((id, k) => {
      if (fault === "omit-B" && k === 1) return;
      top[`token_id:${id}`] = lp[k];
    });
    const best = ids[lp.indexOf(Math.max(...lp))];
    stats.answered++;
    send(res, 200, {
      id: `cmpl-standin-${n}`,
      object: "text_completion",
      model: body.model,
      choices: [{ index: 0, text: `token_id:${best}`, finish_reason: "length", logprobs: { tokens: [`token_id:${best}`], token_logprobs: [Math.max(...lp)], top_logprobs: [top], text_offset: [0] } }],
      usage: { prompt_tokens: prompt.length, completion_tokens: 1, total_tokens: prompt.length + 1 },
    });
  });
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      clearTimeout(idle);
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void close(), idleMs);
    idle.unref();
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  armIdle();
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, stats, close };
}

/** Full-vocabulary log-softmax at one index set, from all logits (what a server's raw log-probs are). */
export function logSoftmaxAt(logits: readonly number[], ids: readonly number[]): number[] {
  const m = Math.max(...logits);
  const z = m + Math.log(logits.reduce((s, x) => s + Math.exp(x - m), 0));
  return ids.map((id) => logits[id] - z);
}
