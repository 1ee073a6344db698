import type { Channel } from "@/db/schema";
import { getEnv } from "./env";
import { getSecrets } from "./secrets";
import { derivedKey, openToken, sealToken, UUID_BYTES, uuidBytes, uuidString } from "./token-bytes";

/**
 * Signed, purpose-bound tokens for links a contact receives (unsubscribe, preference center).
 *
 * Format: a compact binary record, base64url without padding:
 *
 *   version(1) purpose(1) flags(1) workspaceId(16) contactId(16) <purpose fields> [expiry(4)] mac(16)
 *
 * - unsubscribe fields: channel(1) topicId(16) [messageId(16)]
 * - preferences fields: [channel(1)] (the channel the link was delivered through)
 * - mac = HMAC-SHA256(key, every byte before it), truncated to 128 bits, where key =
 *   HKDF-SHA256(APP_SECRET, salt, "purpose:<purpose>"): one key per purpose, so a token of one
 *   purpose can never verify as another even if the layouts happened to line up.
 *
 * Why not a JWS (jose)? The same claims as a JWT are ~300 characters (UUIDs as JSON text, a header,
 * a 256-bit signature), and these links go into SMS bodies and `List-Unsubscribe` headers. The
 * binary record is ~90 characters, has no `alg` to negotiate, and is decoded strictly: the string
 * must be the canonical base64url of its bytes, so even a last character that differs only in
 * unused padding bits is refused. Any altered byte → `null`.
 */

export const TOKEN_PURPOSES = ["unsubscribe", "preferences"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export interface UnsubscribeClaims {
  workspaceId: string;
  contactId: string;
  /** The channel the message went out on; the opt-out applies to this channel only. */
  channel: Channel;
  topicId: string;
  /** The message that carried the link, when known. */
  messageId?: string;
}

export interface PreferencesClaims {
  workspaceId: string;
  contactId: string;
  /**
   * The channel the link was delivered through, when known. A link that reached the contact by
   * email proves control of the email address (see services/preferences/save-preferences.ts).
   */
  channel?: Channel;
}

export type TokenClaims<P extends TokenPurpose> = P extends "unsubscribe" ? UnsubscribeClaims : PreferencesClaims;
/** What `verifyToken` answers: the claims plus the expiry that was signed (null = never expires). */
export type VerifiedToken<P extends TokenPurpose> = TokenClaims<P> & { expiresAt: Date | null };

export interface SignOptions {
  /**
   * When the token stops working. `undefined` = the purpose's default, `null` = never.
   * Defaults: unsubscribe links never expire (CAN-SPAM asks for at least 30 days and people click
   * year-old emails; the worst a leaked one can do is opt someone *out*); preference links expire
   * after 90 days (they can also grant consent, so a forwarded email should not work forever); one
   * minted from an unsubscribe page lives PREFERENCES_FROM_UNSUBSCRIBE_TTL_MS. No link grants a
   * double opt-in topic by itself: that always goes through the topic's confirmation.
   */
  expiresAt?: Date | null;
  /** The clock for the default expiry. */
  now?: Date;
}

export const DEFAULT_TOKEN_TTL_MS: Record<TokenPurpose, number | null> = {
  unsubscribe: null,
  preferences: 90 * 24 * 60 * 60 * 1000,
};

/**
 * Lifetime of the preference link an unsubscribe page mints ("Manage your preferences"). The
 * unsubscribe link it comes from never expires, so what it hands out must not outlive the visit:
 * an old unsubscribe link must not become a standing way back into the preference center.
 */
export const PREFERENCES_FROM_UNSUBSCRIBE_TTL_MS = 24 * 60 * 60 * 1000;

const VERSION = 1;
const PURPOSE_CODE: Record<TokenPurpose, number> = { unsubscribe: 1, preferences: 2 };
const CHANNEL_CODES: readonly Channel[] = ["email", "sms"];
const FLAG_EXPIRY = 0b001;
const FLAG_MESSAGE = 0b010;
const FLAG_CHANNEL = 0b100;
const HEADER_BYTES = 3;
const HKDF_SALT = "optin-manager/link-tokens/v1";
const purposeKey = (secret: string, purpose: TokenPurpose) => derivedKey(secret, HKDF_SALT, `purpose:${purpose}`);

function channelByte(channel: Channel): number {
  const code = CHANNEL_CODES.indexOf(channel);
  if (code < 0) throw new TypeError(`Unknown channel "${String(channel)}"`);
  return code + 1;
}

/** Reads fields off a buffer; any read past the end marks the record malformed. */
class Reader {
  private offset = 0;
  malformed = false;
  constructor(private readonly bytes: Buffer) {}
  take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) {
      this.malformed = true;
      return Buffer.alloc(length);
    }
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  get isAtEnd(): boolean {
    return this.offset === this.bytes.length;
  }
}

function readChannel(reader: Reader): Channel | undefined {
  const code = reader.take(1)[0]!;
  const channel = CHANNEL_CODES[code - 1];
  if (!channel) reader.malformed = true;
  return channel;
}

/** Signs and verifies with one secret. `signToken`/`verifyToken` use APP_SECRET. */
export function createTokenCodec(secret: string) {
  if (!secret) throw new TypeError("A token secret is required");

  function sign<P extends TokenPurpose>(purpose: P, claims: TokenClaims<P>, options: SignOptions = {}): string {
    const ttl = DEFAULT_TOKEN_TTL_MS[purpose];
    const expiresAt =
      options.expiresAt !== undefined
        ? options.expiresAt
        : ttl === null
          ? null
          : new Date((options.now ?? new Date()).getTime() + ttl);
    const parts: Buffer[] = [uuidBytes(claims.workspaceId, "workspaceId"), uuidBytes(claims.contactId, "contactId")];
    let flags = 0;
    if (purpose === "unsubscribe") {
      const c = claims as UnsubscribeClaims;
      parts.push(Buffer.from([channelByte(c.channel)]), uuidBytes(c.topicId, "topicId"));
      if (c.messageId) {
        flags |= FLAG_MESSAGE;
        parts.push(uuidBytes(c.messageId, "messageId"));
      }
    } else {
      const c = claims as PreferencesClaims;
      if (c.channel) {
        flags |= FLAG_CHANNEL;
        parts.push(Buffer.from([channelByte(c.channel)]));
      }
    }
    if (expiresAt) {
      const seconds = Math.ceil(expiresAt.getTime() / 1000);
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 0xffff_ffff)
        throw new RangeError("expiresAt is out of range");
      flags |= FLAG_EXPIRY;
      const expiry = Buffer.alloc(4);
      expiry.writeUInt32BE(seconds);
      parts.push(expiry);
    }
    const body = Buffer.concat([Buffer.from([VERSION, PURPOSE_CODE[purpose], flags]), ...parts]);
    return sealToken(purposeKey(secret, purpose), body);
  }

  /**
   * The claims of a token of this purpose, or null when it is malformed, altered, signed with
   * another secret, minted for another purpose, or expired at `now`. Never throws on input.
   */
  function verify<P extends TokenPurpose>(
    purpose: P,
    token: string,
    options: { now?: Date } = {},
  ): VerifiedToken<P> | null {
    const body = openToken(purposeKey(secret, purpose), token, 512, HEADER_BYTES + 2 * UUID_BYTES);
    if (!body) return null;

    const reader = new Reader(body);
    const [version, purposeCode, flags] = reader.take(HEADER_BYTES);
    if (version !== VERSION || purposeCode !== PURPOSE_CODE[purpose]) return null;
    const allowedFlags = FLAG_EXPIRY | (purpose === "unsubscribe" ? FLAG_MESSAGE : FLAG_CHANNEL);
    if ((flags! & ~allowedFlags) !== 0) return null;

    const workspaceId = uuidString(reader.take(UUID_BYTES));
    const contactId = uuidString(reader.take(UUID_BYTES));
    let claims: UnsubscribeClaims | PreferencesClaims;
    if (purpose === "unsubscribe") {
      const channel = readChannel(reader);
      const topicId = uuidString(reader.take(UUID_BYTES));
      const messageId = flags! & FLAG_MESSAGE ? uuidString(reader.take(UUID_BYTES)) : undefined;
      claims = { workspaceId, contactId, channel: channel!, topicId, ...(messageId ? { messageId } : {}) };
    } else {
      const channel = flags! & FLAG_CHANNEL ? readChannel(reader) : undefined;
      claims = { workspaceId, contactId, ...(channel ? { channel } : {}) };
    }
    const expiresAt = flags! & FLAG_EXPIRY ? new Date(reader.take(4).readUInt32BE() * 1000) : null;
    if (reader.malformed || !reader.isAtEnd) return null;
    if (expiresAt && (options.now ?? new Date()).getTime() >= expiresAt.getTime()) return null;
    return { ...claims, expiresAt } as VerifiedToken<P>;
  }

  return { sign, verify };
}

function appCodec() {
  return createTokenCodec(getSecrets().appSecret);
}

/** Signs `claims` for `purpose` with APP_SECRET. Throws TypeError on a malformed claim (a bug, not input). */
export function signToken<P extends TokenPurpose>(purpose: P, claims: TokenClaims<P>, options?: SignOptions): string {
  return appCodec().sign(purpose, claims, options);
}

/** The claims, or null for anything that is not an intact, unexpired token of this purpose signed with APP_SECRET. */
export function verifyToken<P extends TokenPurpose>(
  purpose: P,
  token: string,
  options?: { now?: Date },
): VerifiedToken<P> | null {
  return appCodec().verify(purpose, token, options);
}

/** `PUBLIC_URL/u/{token}`: the `List-Unsubscribe` target and the visible footer link. Never wrap it in click tracking. */
export function unsubscribeUrl(claims: UnsubscribeClaims, options?: SignOptions): string {
  return `${getEnv().PUBLIC_URL}/u/${signToken("unsubscribe", claims, options)}`;
}

/** `PUBLIC_URL/preferences/{token}`: the hosted preference center. Pass the delivery channel when known. */
export function preferencesUrl(claims: PreferencesClaims, options?: SignOptions): string {
  return `${getEnv().PUBLIC_URL}/preferences/${signToken("preferences", claims, options)}`;
}
