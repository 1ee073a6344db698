/**
 * A thin typed wrapper over autocannon (no type package is installed): runs one load phase and
 * returns throughput and latency percentiles, plus the status codes seen.
 */
import { createRequire } from "node:module";

export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before each request of a connection; mutate and return it (or a new one). */
  setupRequest?: (request: LoadRequest, context: Record<string, unknown>) => LoadRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

interface AutocannonResult {
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  statusCodeStats?: Record<string, { count: number }>;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  timeout?: number;
  requests: LoadRequest[];
}

type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => unknown;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface PhaseResult {
  /** Completed requests per second (all answers). */
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  statusCodes: Record<string, number>;
}

export function runLoad(options: AutocannonOptions): Promise<PhaseResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    autocannon({ timeout: 30, ...options }, (error, result) => {
      if (error) return reject(error);
      const seconds = (performance.now() - started) / 1000;
      const statusCodes: Record<string, number> = {};
      for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count;
      resolve({
        reqPerSec: Math.round(result.requests.total / (options.duration ?? seconds)),
        p50Ms: result.latency.p50,
        p90Ms: result.latency.p90,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        seconds: Number(seconds.toFixed(2)),
        statusCodes,
      });
    });
  });
}
