import { BlockList, isIP } from "node:net";
import { getEnv, type TrustedProxy } from "./env";

/**
 * The address of the TCP peer, set by our HTTP server (`server/http/server.ts`) on every request
 * from the socket itself. A value a client sends under this name is overwritten there, so it can be
 * trusted here; nothing else in a request can.
 */
export const SOCKET_ADDRESS_HEADER = "x-optin-socket-address";

export interface ClientAddress {
  /** The client's IP address, or null when the request did not come through our HTTP server. */
  ip: string | null;
  /**
   * Where `ip` came from: the socket (no trusted proxy in between), a trusted proxy's
   * `X-Forwarded-For`, or nowhere (`unknown`: e.g. a route called in a test without a server).
   */
  via: "socket" | "trusted_proxy" | "unknown";
}

/** `::ffff:203.0.113.9` (an IPv4 client on a dual-stack socket) → `203.0.113.9`. */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let value = raw.trim();
  if (value.startsWith("[") && value.includes("]")) value = value.slice(1, value.indexOf("]"));
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(value)) value = value.slice(7);
  return isIP(value) ? value : null;
}

const blockLists = new WeakMap<readonly TrustedProxy[], BlockList>();

function trustedBlockList(trusted: readonly TrustedProxy[]): BlockList {
  let list = blockLists.get(trusted);
  if (!list) {
    list = new BlockList();
    for (const entry of trusted) list.addSubnet(entry.address, entry.prefix, entry.family);
    blockLists.set(trusted, list);
  }
  return list;
}

function isTrusted(ip: string, trusted: readonly TrustedProxy[]): boolean {
  if (trusted.length === 0) return false;
  return trustedBlockList(trusted).check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}

/**
 * Who sent this request. With no `TRUSTED_PROXIES` (the default) the socket address is the client,
 * whatever `X-Forwarded-For` says. When the socket peer is a trusted proxy, `X-Forwarded-For` is
 * read from the right, skipping hops that are trusted proxies too; the first other hop is the client
 * (the left-most entries are whatever the client wrote and are never believed).
 */
export function clientAddress(
  headers: Headers,
  trusted: readonly TrustedProxy[] = getEnv().TRUSTED_PROXIES,
): ClientAddress {
  const peer = normalizeIp(headers.get(SOCKET_ADDRESS_HEADER));
  if (!peer) return { ip: null, via: "unknown" };
  if (!isTrusted(peer, trusted)) return { ip: peer, via: "socket" };
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((hop) => normalizeIp(hop))
    .filter((hop): hop is string => hop !== null);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isTrusted(hop, trusted)) return { ip: hop, via: "trusted_proxy" };
  }
  // Every hop is one of our proxies: the first of them is as close to the client as we can tell.
  return hops.length > 0 ? { ip: hops[0]!, via: "trusted_proxy" } : { ip: peer, via: "socket" };
}

/** What a request tells about the person behind it, for consent evidence (trimmed to its limits). */
export interface RequestEvidence {
  ip?: string;
  /** Whether `ip` is the socket's address or was named by a trusted proxy. */
  ipSource?: "socket" | "trusted_proxy";
  userAgent?: string;
}

export function requestEvidence(headers: Headers): RequestEvidence {
  const { ip, via } = clientAddress(headers);
  const userAgent = headers.get("user-agent")?.trim() || undefined;
  return {
    ...(ip && via !== "unknown" ? { ip: ip.slice(0, 64), ipSource: via } : {}),
    ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}),
  };
}

/** A key for rate limits: the client address, or one shared bucket for requests of unknown origin. */
export function clientRateLimitKey(headers: Headers): string {
  return clientAddress(headers).ip ?? "unknown";
}
