/**
 * `npm run demo:seed`: fills the default workspace with ~1,000 realistic contacts and a year of
 * consent history, through the real services (upsertContact, recordConsentChange, suppressAddress),
 * so every row has its ledger entry and audit row exactly as production would write them.
 *
 * Deterministic (seeded PRNG) and idempotent-ish: a contact whose address already exists is
 * skipped with all its history, so a second run adds nothing. Works on a fresh DATA_DIR: it runs
 * the same start-up as the server (migrate, bootstrap) first.
 *
 * Addresses use the reserved example.com/.net/.org domains; phone numbers are valid mobiles for
 * libphonenumber but generated at random; nobody real is behind them. Only log providers send.
 */
import { and, eq } from "drizzle-orm";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { contacts, memberships, workspaces, type Channel } from "../db/schema";
import { prepareDatabase } from "../server/boot";
import { emailLookupKey, normalizePhone } from "../server/lib/addresses";
import { blindIndex } from "../server/lib/crypto";
import { closeDb, getDbHandle } from "../server/lib/db";
import { inTransaction, type Actor, type ServiceContext } from "../server/services/context";
import { recordConsentChange, type ConsentChange } from "../server/services/consent";
import { upsertContact } from "../server/services/contacts";
import { suppressAddress } from "../server/services/suppressions";
import { createTopic, findTopicByKey } from "../server/services/topics";

const CONTACT_COUNT = 1000;
const DAY = 86_400_000;
const MINUTE = 60_000;

// ─── Deterministic randomness ────────────────────────────────────────────────

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20250301);
const chance = (p: number) => random() < p;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join("");
const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
function weighted<T extends string>(weights: Record<T, number>): T {
  const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (const [key, weight] of Object.entries<number>(weights)) {
    r -= weight;
    if (r <= 0) return key as T;
  }
  return Object.keys(weights)[0] as T;
}

// ─── People ──────────────────────────────────────────────────────────────────

type Region = "US" | "GB" | "DE" | "FR" | "AU" | "CA";

const REGIONS: Record<
  Region,
  {
    weight: number;
    first: string[];
    last: string[];
    locales: string[];
    zones: string[];
    cities: string[];
    phone: () => string;
  }
> = {
  US: {
    weight: 38,
    first: [
      "James",
      "Olivia",
      "Liam",
      "Emma",
      "Noah",
      "Ava",
      "Ethan",
      "Sophia",
      "Mason",
      "Isabella",
      "Lucas",
      "Mia",
      "Aiden",
      "Harper",
      "Elijah",
      "Camila",
      "Grace",
      "Jackson",
    ],
    last: [
      "Smith",
      "Johnson",
      "Williams",
      "Brown",
      "Jones",
      "Garcia",
      "Miller",
      "Davis",
      "Rodriguez",
      "Martinez",
      "Lee",
      "Walker",
      "Hall",
      "Young",
      "King",
      "Nguyen",
    ],
    locales: ["en-US", "en-US", "en-US", "es-US"],
    zones: ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"],
    cities: ["New York", "Chicago", "Austin", "Denver", "Seattle", "Boston", "Miami", "San Francisco"],
    phone: () =>
      `+1${pick(["212", "305", "312", "404", "415", "512", "617", "646", "702", "206", "303", "213"])}${int(2, 9)}${digits(2)}${digits(4)}`,
  },
  CA: {
    weight: 12,
    first: [
      "Liam",
      "Chloé",
      "Noah",
      "Emily",
      "William",
      "Léa",
      "Benjamin",
      "Charlotte",
      "Félix",
      "Abigail",
      "Owen",
      "Zoé",
    ],
    last: [
      "Tremblay",
      "Martin",
      "Roy",
      "Wilson",
      "MacDonald",
      "Gagnon",
      "Taylor",
      "Campbell",
      "Anderson",
      "Côté",
      "Bouchard",
      "Scott",
    ],
    locales: ["en-CA", "en-CA", "fr-CA"],
    zones: ["America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax"],
    cities: ["Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Halifax"],
    phone: () =>
      `+1${pick(["416", "647", "604", "778", "514", "438", "403", "613"])}${int(2, 9)}${digits(2)}${digits(4)}`,
  },
  GB: {
    weight: 16,
    first: [
      "Oliver",
      "Amelia",
      "George",
      "Isla",
      "Harry",
      "Ava",
      "Jack",
      "Lily",
      "Charlie",
      "Freya",
      "Alfie",
      "Poppy",
      "Arthur",
      "Evie",
    ],
    last: [
      "Smith",
      "Jones",
      "Taylor",
      "Brown",
      "Williams",
      "Wilson",
      "Evans",
      "Thomas",
      "Roberts",
      "Walker",
      "Wright",
      "Hughes",
      "Patel",
      "Khan",
    ],
    locales: ["en-GB"],
    zones: ["Europe/London"],
    cities: ["London", "Manchester", "Bristol", "Leeds", "Edinburgh", "Glasgow", "Brighton"],
    phone: () => `+447${pick(["4", "5", "7", "8", "9"])}${digits(8)}`,
  },
  DE: {
    weight: 12,
    first: [
      "Lukas",
      "Mia",
      "Leon",
      "Emma",
      "Finn",
      "Hannah",
      "Jonas",
      "Sophie",
      "Paul",
      "Lena",
      "Felix",
      "Marie",
      "Jürgen",
      "Anja",
    ],
    last: [
      "Müller",
      "Schmidt",
      "Schneider",
      "Fischer",
      "Weber",
      "Meyer",
      "Wagner",
      "Becker",
      "Schulz",
      "Hoffmann",
      "Koch",
      "Richter",
    ],
    locales: ["de-DE"],
    zones: ["Europe/Berlin"],
    cities: ["Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Leipzig"],
    phone: () =>
      `+49${pick(["151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "177", "178", "179"])}${digits(8)}`,
  },
  FR: {
    weight: 11,
    first: [
      "Gabriel",
      "Louise",
      "Raphaël",
      "Jade",
      "Léo",
      "Ambre",
      "Louis",
      "Alice",
      "Hugo",
      "Chloé",
      "Arthur",
      "Inès",
      "Jules",
      "Manon",
    ],
    last: [
      "Martin",
      "Bernard",
      "Dubois",
      "Thomas",
      "Robert",
      "Richard",
      "Petit",
      "Durand",
      "Leroy",
      "Moreau",
      "Simon",
      "Laurent",
      "Lefèvre",
    ],
    locales: ["fr-FR"],
    zones: ["Europe/Paris"],
    cities: ["Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes"],
    phone: () => `+33${pick(["6", "7"])}${digits(8)}`,
  },
  AU: {
    weight: 11,
    first: [
      "Oliver",
      "Charlotte",
      "Jack",
      "Olivia",
      "William",
      "Mia",
      "Noah",
      "Amelia",
      "Thomas",
      "Ruby",
      "Lachlan",
      "Matilda",
    ],
    last: [
      "Smith",
      "Jones",
      "Williams",
      "Brown",
      "Wilson",
      "Taylor",
      "Nguyen",
      "Johnson",
      "Martin",
      "White",
      "Kelly",
      "Ryan",
    ],
    locales: ["en-AU"],
    zones: ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth", "Australia/Adelaide"],
    cities: ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart"],
    phone: () => `+614${digits(8)}`,
  },
};

const TAGS = [
  "customer",
  "vip",
  "webinar-2025",
  "trial",
  "wholesale",
  "churn-risk",
  "beta-tester",
  "black-friday",
  "loyalty",
];
const DOMAINS = ["example.com", "example.net", "example.org"];
const USER_AGENTS = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
  "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Mobile Safari/537.36",
];

const FORM_TEXT_V1 =
  "Yes, send me the monthly newsletter. I can unsubscribe at any time with the link in every email. See our privacy policy.";
const FORM_TEXT_V2 =
  "Yes, email me the newsletter and product updates (about twice a month). Unsubscribe any time from any email. We never share your address.";
const SMS_TEXT =
  "Reply JOIN to get offers by text from Example Shop. Up to 4 msgs/month. Msg & data rates may apply. Reply STOP to cancel, HELP for help.";

const ascii = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();

function mobileFor(region: Region): string | undefined {
  for (let attempt = 0; attempt < 60; attempt++) {
    const candidate = REGIONS[region].phone();
    const parsed = parsePhoneNumberFromString(candidate);
    const type = parsed?.getType();
    if (
      parsed?.isValid() &&
      (type === "MOBILE" || type === "FIXED_LINE_OR_MOBILE") &&
      normalizePhone(candidate, region).ok
    )
      return parsed.number;
  }
  return undefined;
}

const ipFor = () => pick(["203.0.113", "198.51.100", "192.0.2"]) + `.${int(1, 254)}`;

type Scenario = "form" | "import" | "sms_keyword" | "checkout" | "admin" | "none";

interface Person {
  region: Region;
  email?: string;
  phone?: string;
  firstName: string;
  lastName: string;
  locale: string;
  timezone: string;
  tags: string[];
  attributes: Record<string, unknown>;
  createdAt: number;
  scenario: Scenario;
}

function makePeople(now: number): Person[] {
  const emails = new Set<string>();
  const phones = new Set<string>();
  const regionWeights = Object.fromEntries(Object.entries(REGIONS).map(([r, v]) => [r, v.weight])) as Record<
    Region,
    number
  >;
  const people: Person[] = [];
  for (let i = 0; i < CONTACT_COUNT; i++) {
    const region = weighted(regionWeights);
    const meta = REGIONS[region];
    const firstName = pick(meta.first);
    const lastName = pick(meta.last);
    const scenario = weighted<Scenario>({ form: 32, import: 24, sms_keyword: 14, checkout: 14, admin: 5, none: 11 });
    const wantsEmail = scenario !== "sms_keyword" || chance(0.4);
    const wantsPhone = scenario === "sms_keyword" || chance(0.55);
    let email: string | undefined;
    if (wantsEmail) {
      const local = pick([
        `${ascii(firstName)}.${ascii(lastName)}`,
        `${ascii(firstName)}${ascii(lastName)}`,
        `${ascii(firstName)[0]}${ascii(lastName)}`,
        `${ascii(firstName)}.${ascii(lastName)}${int(1, 99)}`,
      ]);
      email = `${local}@${pick(DOMAINS)}`;
      while (emails.has(email)) email = `${local}${int(1, 9999)}@${pick(DOMAINS)}`;
      emails.add(email);
    }
    let phone = wantsPhone ? mobileFor(region) : undefined;
    while (phone && phones.has(phone)) phone = mobileFor(region);
    if (phone) phones.add(phone);
    if (!email && !phone) {
      email = `${ascii(firstName)}.${ascii(lastName)}.${i}@${pick(DOMAINS)}`;
      emails.add(email);
    }
    const tagCount = { none: 0, one: 1, two: 2, three: 3 }[weighted({ none: 3, one: 4, two: 2, three: 1 })];
    const tags = [...new Set(Array.from({ length: tagCount }, () => pick(TAGS)))];
    people.push({
      region,
      email,
      phone,
      firstName,
      lastName,
      locale: pick(meta.locales),
      timezone: pick(meta.zones),
      tags,
      attributes: {
        city: pick(meta.cities),
        plan: weighted({ free: 6, pro: 3, business: 1 }),
        lifetime_value: Math.round(random() * random() * 250_000) / 100,
        ...(chance(0.3) ? { referral_code: `REF-${hex(6).toUpperCase()}` } : {}),
      },
      // Spread over the last 12 months, a little busier recently.
      createdAt: now - Math.floor(Math.pow(random(), 1.3) * 362 * DAY) - int(1, 23 * 60) * MINUTE,
      scenario,
    });
  }
  return people;
}

// ─── Plan: every step of every contact, then run them in time order ─────────

interface Step {
  at: number;
  order: number;
  run: () => Promise<void>;
}

async function main() {
  const startedAt = Date.now();
  await prepareDatabase();
  const { db } = await getDbHandle();
  const bootSeconds = (Date.now() - startedAt) / 1000;
  const [workspace] = await db.select().from(workspaces).where(eq(workspaces.isDefault, "default"));
  if (!workspace) throw new Error("No default workspace (bootstrap did not run)");
  const [owner] = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.workspaceId, workspace.id), eq(memberships.role, "owner")));

  const now = Date.now();
  const ctxAt = (at: number, actor: Actor): ServiceContext => ({
    db,
    workspaceId: workspace.id,
    actor,
    now: () => new Date(Math.min(at, Date.now())),
    requestId: "demo-seed",
  });
  const adminActor: Actor = owner
    ? { type: "user", userId: owner.userId, role: "owner" }
    : { type: "system", job: "demo-seed" };

  // One more marketing topic on email, so the consent grid shows a non-DOI topic too.
  if (!(await findTopicByKey(db, workspace.id, "product-updates"))) {
    await createTopic({
      ctx: ctxAt(now - 364 * DAY, adminActor),
      input: {
        key: "product-updates",
        name: "Product updates",
        description: "New features and improvements, twice a month.",
        channels: ["email"],
        kind: "marketing",
      },
    });
  }

  const people = makePeople(now);
  const existingEmail = new Set(
    (await db.select({ hash: contacts.emailHash }).from(contacts).where(eq(contacts.workspaceId, workspace.id)))
      .map((r) => r.hash)
      .filter(Boolean),
  );
  const existingPhone = new Set(
    (await db.select({ hash: contacts.phoneHash }).from(contacts).where(eq(contacts.workspaceId, workspace.id)))
      .map((r) => r.hash)
      .filter(Boolean),
  );
  const isExisting = (p: Person) =>
    (p.email && existingEmail.has(blindIndex(workspace.id, "email", emailLookupKey(p.email)))) ||
    (p.phone && existingPhone.has(blindIndex(workspace.id, "phone", p.phone)));

  const steps: Step[] = [];
  let order = 0;
  const counts = { created: 0, skipped: 0, events: 0, suppressions: 0 };
  const importBatches = [now - 300 * DAY, now - 170 * DAY, now - 60 * DAY].map((at, i) => ({
    at,
    name: ["shopify-customers", "pos-loyalty", "webinar-attendees"][i]!,
  }));

  for (const person of people) {
    if (isExisting(person)) {
      counts.skipped++;
      continue;
    }
    let contactId = "";
    const add = (at: number, run: () => Promise<void>) =>
      steps.push({ at: Math.min(at, now - MINUTE), order: order++, run });
    /** `actor` may be a function: the contact's own id is only known once the creation step ran. */
    const consent = (
      at: number,
      actor: Actor | (() => Actor),
      change: Omit<ConsentChange, "contactId">,
      recordedDelay = int(1, 20) * 1000,
    ) =>
      add(at + recordedDelay, async () => {
        const who = typeof actor === "function" ? actor() : actor;
        const results = await recordConsentChange({
          ctx: ctxAt(at + recordedDelay, who),
          input: { ...change, contactId, occurredAt: new Date(at) },
        });
        counts.events += results.length;
      });
    const suppress = (
      at: number,
      actor: Actor,
      channel: Channel,
      reason: "hard_bounce" | "complaint" | "sms_stop",
      source: string,
      note?: string,
    ) =>
      add(at + 2000, async () => {
        const hash =
          channel === "email"
            ? blindIndex(workspace.id, "email", emailLookupKey(person.email!))
            : blindIndex(workspace.id, "phone", person.phone!);
        const ctx = ctxAt(at + 2000, actor);
        const { created } = await inTransaction(db, (tx) =>
          suppressAddress({
            ctx: { ...ctx, db: tx },
            input: { channel, addressHash: hash, reason, source, note, contactId },
          }),
        );
        if (created) counts.suppressions++;
      });

    const importBatch = person.scenario === "import" ? pick(importBatches) : undefined;
    const created = importBatch ? importBatch.at + int(0, 90) * 1000 : person.createdAt;
    const creator: Actor =
      person.scenario === "form"
        ? { type: "system", job: "form:website-footer" }
        : person.scenario === "import"
          ? { type: "system", job: `import:${importBatch!.name}` }
          : person.scenario === "sms_keyword"
            ? { type: "provider", provider: "twilio" }
            : person.scenario === "admin"
              ? adminActor
              : { type: "system", job: "shop-sync" };
    add(created, async () => {
      const result = await upsertContact({
        ctx: ctxAt(created, creator),
        input: {
          email: person.email,
          phone: person.phone,
          firstName: person.firstName,
          lastName: person.lastName,
          locale: person.locale,
          timezone: person.timezone,
          tags: person.tags,
          attributes: person.attributes,
        },
      });
      contactId = result.contact.id;
      if (result.created) counts.created++;
    });

    const contactActor = (): Actor => ({ type: "contact", contactId });
    const ua = pick(USER_AGENTS);
    const ip = ipFor();
    let newsletterOptedIn = false;

    switch (person.scenario) {
      case "form": {
        const v2 = created > now - 150 * DAY;
        const formEvidence = {
          ip,
          userAgent: ua,
          url: pick([
            "https://www.example.com/",
            "https://www.example.com/blog/spring-collection",
            "https://www.example.com/pricing",
          ]),
          text: v2 ? FORM_TEXT_V2 : FORM_TEXT_V1,
          formVersion: v2 ? "footer-signup@v2" : "footer-signup@v1",
        };
        // Newsletter needs double opt-in: pending until the link is clicked.
        add(created + 1000, async () => {
          const results = await recordConsentChange({
            ctx: ctxAt(created + 1000, { type: "contact", contactId }),
            input: {
              contactId,
              channel: "email",
              topicKey: "newsletter",
              action: "opted_in",
              source: "form",
              needsConfirmation: true,
              evidence: formEvidence,
              occurredAt: new Date(created),
            },
          });
          counts.events += results.length;
        });
        if (v2)
          consent(
            created,
            contactActor,
            {
              channel: "email",
              topicKey: "product-updates",
              action: "opted_in",
              source: "form",
              evidence: formEvidence,
            },
            1500,
          );
        if (chance(0.86)) {
          const confirmedAt = created + int(2, 60 * 30) * MINUTE;
          newsletterOptedIn = true;
          add(confirmedAt, async () => {
            const results = await recordConsentChange({
              ctx: ctxAt(confirmedAt, { type: "contact", contactId }),
              input: {
                contactId,
                channel: "email",
                topicKey: "newsletter",
                action: "confirmed",
                source: "form",
                evidence: { ...formEvidence, note: "Confirmed with the link in the confirmation email" },
                occurredAt: new Date(confirmedAt),
              },
            });
            counts.events += results.length;
          });
        }
        break;
      }
      case "import": {
        const signedUp = created - int(20, 400) * DAY;
        if (person.email) {
          newsletterOptedIn = true;
          consent(
            signedUp,
            creator,
            {
              channel: "email",
              topicKey: "newsletter",
              action: "opted_in",
              source: "import",
              evidence: {
                note: `Imported from ${importBatch!.name}.csv: “accepts_marketing = yes”, opted in at checkout`,
                formVersion: `import:${importBatch!.name}`,
              },
            },
            created - signedUp + int(5, 60) * 1000,
          );
        }
        if (person.phone && chance(0.35)) {
          consent(
            signedUp,
            creator,
            {
              channel: "sms",
              topicKey: "promotions",
              action: "opted_in",
              source: "import",
              evidence: {
                note: `Imported from ${importBatch!.name}.csv: signed the in-store loyalty card form (SMS box ticked)`,
                text: SMS_TEXT,
              },
            },
            created - signedUp + int(5, 60) * 1000,
          );
        }
        break;
      }
      case "sms_keyword": {
        const sid = `SM${hex(32)}`;
        consent(
          created,
          { type: "provider", provider: "twilio" },
          {
            channel: "sms",
            topicKey: "promotions",
            action: "opted_in",
            source: "sms_keyword",
            evidence: { providerMessageId: sid, text: SMS_TEXT, note: "Texted JOIN to the short code" },
          },
          1500,
        );
        if (chance(0.22)) {
          const stoppedAt = created + int(3, 200) * DAY;
          if (stoppedAt < now) {
            consent(
              stoppedAt,
              { type: "provider", provider: "twilio" },
              {
                channel: "sms",
                marketingOnly: true,
                action: "opted_out",
                source: "sms_keyword",
                evidence: { providerMessageId: `SM${hex(32)}`, note: "Replied “STOP”" },
              },
              1000,
            );
            suppress(stoppedAt, { type: "provider", provider: "twilio" }, "sms", "sms_stop", "twilio", "Inbound STOP");
          }
        }
        break;
      }
      case "checkout": {
        consent(
          created,
          { type: "system", job: "shop-sync" },
          {
            channel: person.email ? "email" : "sms",
            topicKey: "account-notices",
            action: "opted_in",
            source: "api",
            evidence: {
              ip,
              userAgent: ua,
              url: "https://shop.example.com/checkout",
              note: "Order receipts and delivery updates requested at checkout",
            },
          },
          3000,
        );
        if (person.email && chance(0.4)) {
          newsletterOptedIn = true;
          consent(
            created,
            { type: "system", job: "shop-sync" },
            {
              channel: "email",
              topicKey: "newsletter",
              action: "opted_in",
              source: "api",
              evidence: {
                ip,
                userAgent: ua,
                url: "https://shop.example.com/checkout",
                text: FORM_TEXT_V1,
                formVersion: "checkout@v3",
              },
            },
            4000,
          );
        }
        break;
      }
      case "admin": {
        const askedAt = created + int(0, 3) * DAY + int(5, 300) * MINUTE;
        const channel: Channel = person.email ? "email" : "sms";
        consent(
          askedAt,
          adminActor,
          {
            channel,
            topicKey: channel === "email" ? "newsletter" : "promotions",
            action: "opted_in",
            source: "admin",
            evidence: {
              note: `${pick(["Customer asked by phone", "Asked at the store counter", "Requested by email to support"])} on ${new Date(askedAt).toISOString().slice(0, 10)}, ticket #${int(1000, 9999)}`,
            },
          },
          int(1, 48) * 60 * MINUTE,
        );
        newsletterOptedIn = channel === "email";
        break;
      }
      case "none":
        break;
    }

    // Later in their life: unsubscribes, preference changes, bounces, complaints.
    if (newsletterOptedIn && person.email) {
      const later = created + int(10, 250) * DAY;
      const roll = random();
      if (later < now && roll < 0.09) {
        consent(
          later,
          contactActor,
          {
            channel: "email",
            topicKey: "newsletter",
            action: "opted_out",
            source: "one_click",
            evidence: {
              userAgent: pick([
                "Gmail one-click unsubscribe (RFC 8058)",
                "Yahoo Mail one-click unsubscribe (RFC 8058)",
                ua,
              ]),
              providerMessageId: `re_${hex(24)}`,
            },
          },
          800,
        );
      } else if (later < now && roll < 0.14) {
        consent(
          later,
          contactActor,
          {
            channel: "email",
            topicKey: "newsletter",
            action: "opted_out",
            source: "preference_center",
            evidence: { ip: ipFor(), userAgent: ua },
          },
          500,
        );
      } else if (later < now && roll < 0.155) {
        consent(
          later,
          { type: "provider", provider: "resend" },
          {
            channel: "email",
            marketingOnly: true,
            action: "opted_out",
            source: "provider",
            evidence: { providerMessageId: `re_${hex(24)}`, note: "Marked the newsletter as spam (feedback loop)" },
          },
          60_000,
        );
        suppress(
          later,
          { type: "provider", provider: "resend" },
          "email",
          "complaint",
          "resend",
          "Spam complaint via feedback loop",
        );
      }
    }
    if (person.email && chance(0.015)) {
      const bouncedAt = created + int(1, 120) * DAY;
      if (bouncedAt < now)
        suppress(
          bouncedAt,
          { type: "provider", provider: "resend" },
          "email",
          "hard_bounce",
          "resend",
          "550 5.1.1 The email account that you tried to reach does not exist",
        );
    }
  }

  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  const seedingAt = Date.now();
  for (const step of steps) await step.run();

  const seconds = (Date.now() - seedingAt) / 1000;
  console.log(
    `Demo data in “${workspace.name}”: ${counts.created} contacts created (${counts.skipped} already there), ${counts.events} consent events, ${counts.suppressions} suppressions in ${seconds.toFixed(1)}s (+${bootSeconds.toFixed(1)}s start-up).`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(`Demo seed failed: ${(error as Error).message}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await closeDb().catch(() => {});
  });
