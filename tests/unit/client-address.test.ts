import { describe, expect, it } from "vitest";
import { clientAddress, normalizeIp, SOCKET_ADDRESS_HEADER } from "@/server/lib/client-address";
import { parseEnv } from "@/server/lib/env";

const trusted = (value: string) => parseEnv({ TRUSTED_PROXIES: value }).TRUSTED_PROXIES;
const headers = (values: Record<string, string>) => new Headers(values);

describe("client address", () => {
  it("without trusted proxies the socket address is the client, whatever X-Forwarded-For says", () => {
    const h = headers({
      [SOCKET_ADDRESS_HEADER]: "198.51.100.7",
      "x-forwarded-for": "203.0.113.1",
      "x-real-ip": "203.0.113.2",
    });
    expect(clientAddress(h, [])).toEqual({ ip: "198.51.100.7", via: "socket" });
  });

  it("a request that did not come through our server has no known address (forwarding headers are not believed)", () => {
    expect(clientAddress(headers({ "x-forwarded-for": "203.0.113.1" }), trusted("0.0.0.0/0"))).toEqual({
      ip: null,
      via: "unknown",
    });
  });

  it("from a trusted proxy, the right-most untrusted hop is the client; hops the client wrote on the left are ignored", () => {
    const proxies = trusted("10.0.0.0/8");
    const h = headers({ [SOCKET_ADDRESS_HEADER]: "10.1.2.3", "x-forwarded-for": "1.1.1.1, 203.0.113.9, 10.9.9.9" });
    expect(clientAddress(h, proxies)).toEqual({ ip: "203.0.113.9", via: "trusted_proxy" });
  });

  it("a proxy that is not trusted cannot name the client", () => {
    const h = headers({ [SOCKET_ADDRESS_HEADER]: "192.0.2.50", "x-forwarded-for": "203.0.113.9" });
    expect(clientAddress(h, trusted("10.0.0.0/8"))).toEqual({ ip: "192.0.2.50", via: "socket" });
  });

  it("a trusted proxy without X-Forwarded-For is itself the client; IPv4-mapped IPv6 is read as IPv4", () => {
    expect(clientAddress(headers({ [SOCKET_ADDRESS_HEADER]: "::ffff:10.0.0.5" }), trusted("10.0.0.5"))).toEqual({
      ip: "10.0.0.5",
      via: "socket",
    });
    expect(normalizeIp("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normalizeIp("not an ip")).toBeNull();
  });

  it("IPv6 proxies and clients", () => {
    const h = headers({ [SOCKET_ADDRESS_HEADER]: "fd00::1", "x-forwarded-for": "2001:db8::42" });
    expect(clientAddress(h, trusted("fd00::/8"))).toEqual({ ip: "2001:db8::42", via: "trusted_proxy" });
  });
});
