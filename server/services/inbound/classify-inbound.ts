/**
 * What an inbound SMS asks for. Pure: the same text always gives the same answer, so the rules
 * are unit-tested exhaustively (tests/unit/keywords-classify.test.ts).
 *
 * Rules, in order (the first that matches wins; an opt-out always beats help and opt-in, because
 * missing an opt-out is the legal risk and an extra one only costs a marketing audience):
 * 1. The whole message, after trimming, case-folding and removing punctuation, emoji and spaces
 *    between letters, is a keyword: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT
 *    → opt_out; START, UNSTOP, YES → opt_in; HELP, INFO → help (`matchedBy: "keyword"`).
 * 2. A negated opt-out ("don't stop", "I can't stop laughing", "never unsubscribe me") is not one.
 * 3. Opt-out phrasing ("any reasonable means", `matchedBy: "phrase"`):
 *    - a sentence of a longer message that is exactly an opt-out keyword ("Stop. Who is this?");
 *    - a short message (≤ 6 words) made of an opt-out keyword and filler only ("stop please",
 *      "ok STOP now", "cancel all texts");
 *    - explicit phrases anywhere: "unsubscribe", "opt (me) out", "remove me", "take me off",
 *      "stop texting/messaging/sending…", "do not / don't text me", "no more texts",
 *      "don't want these texts", "leave me alone", "wrong number", "not interested" (short).
 * 4. Anything else is `other`. Deliberately `other`: "stop by the store tomorrow?", "when does
 *    the sale end", "cancel my appointment" — the keyword is used in another sense and the rest of
 *    the message is not about messages. Opt-in and help are never guessed from phrasing: they
 *    must be the keyword alone (re-subscribing someone by a guess would be the worse mistake).
 */
export type InboundClassification =
  { kind: "opt_out" | "opt_in" | "help"; keyword: string; matchedBy: "keyword" | "phrase" } | { kind: "other" };

const OPT_OUT_KEYWORDS = ["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"] as const;
const OPT_IN_KEYWORDS = ["start", "unstop", "yes"] as const;
const HELP_KEYWORDS = ["help", "info"] as const;

const KEYWORD_KIND = new Map<string, "opt_out" | "opt_in" | "help">([
  ...OPT_OUT_KEYWORDS.map((k) => [k, "opt_out"] as const),
  ...OPT_IN_KEYWORDS.map((k) => [k, "opt_in"] as const),
  ...HELP_KEYWORDS.map((k) => [k, "help"] as const),
]);

/** Words that may surround an opt-out keyword in a short message without changing its meaning. */
const FILLER = new Set(
  (
    "please pls plz plase ok okay now it all me us my this these that them those thanks thank you thx ty asap already " +
    "just right away immediately text texts texting txt txts message messages msg msgs sms sending spam marketing " +
    "promo promos promotions subscription subscriptions list number again anymore forever permanently " +
    "help info i want to would like yes yeah yea no nope seriously sir maam"
  ).split(" "),
);

const OPT_OUT_SET = new Set<string>(OPT_OUT_KEYWORDS);

/** Lower-case words of the text: NFKC, curly quotes folded, apostrophes dropped, everything else non-alphanumeric a space. */
export function normalizeInboundText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´']/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function exactKeyword(normalized: string): string | null {
  if (!normalized) return null;
  if (KEYWORD_KIND.has(normalized)) return normalized;
  // "S T O P", "opt-out", "stop all", "un subscribe": the keyword with spaces in it.
  const compact = normalized.replace(/ /g, "");
  return KEYWORD_KIND.has(compact) ? compact : null;
}

const NEGATED_OPT_OUT =
  /\b(dont|do not|doesnt|does not|never|cant|cannot|can not|wont|will not|couldnt|shouldnt|didnt|did not)( \w+)? (stop|stopall|unsubscribe|cancel|quit|end|revoke|opt out|optout)\b/;

const OPT_OUT_PHRASES: RegExp[] = [
  /\bunsubscribe\b/,
  /\bunsub\b/,
  /\bopt( me| us)? ?out\b/,
  /\b(remove|delete|drop) (me|us|my number|my phone|my phone number|this number|my info)\b/,
  /\btake (me|us|my number|this number) off\b/,
  /\b(stop|quit|cease)( \w+){0,2} (texting|txting|texts|txts|messaging|messages|msgs|sending|contacting|spamming|emailing|sms)\b/,
  /\b(stop|quit) (it|this|that|these|them|now)$/,
  /\b(dont|do not|never|please dont|pls dont) (ever )?(text|txt|message|msg|sms|contact)\b/,
  /\b(dont|do not|never) (ever )?send (me|us) (any )?(more )?(texts|txts|messages|msgs|sms)\b/,
  /\b(no more|stop the|stop these|stop all|stop your) (texts|txts|messages|msgs|sms|spam|marketing|promos|promotions|offers)\b/,
  /\b(dont|do not|no longer) (want|need|wish)( to (receive|get))? (these|your|any|the|this|those|more)( \w+)? (texts|txts|messages|msgs|sms|offers|promos|promotions)\b/,
  /\bleave me alone\b/,
  /\bwrong (number|person)\b/,
];

const SHORT_NOT_INTERESTED = /^(im |i am )?(not interested|no longer interested)( thanks| thank you| thx)?$/;

function matchOptOutPhrase(normalized: string, sentences: string[]): string | null {
  // A sentence that is an opt-out keyword on its own.
  for (const sentence of sentences) {
    const keyword = exactKeyword(sentence);
    if (keyword && KEYWORD_KIND.get(keyword) === "opt_out") return keyword;
  }
  // A short message made of an opt-out keyword and filler.
  const words = normalized.split(" ");
  if (
    words.length <= 6 &&
    words.some((w) => OPT_OUT_SET.has(w)) &&
    words.every((w) => OPT_OUT_SET.has(w) || FILLER.has(w))
  ) {
    return words.find((w) => OPT_OUT_SET.has(w))!;
  }
  for (const pattern of OPT_OUT_PHRASES) {
    const match = pattern.exec(normalized);
    if (match) return match[0];
  }
  if (SHORT_NOT_INTERESTED.test(normalized)) return normalized;
  return null;
}

export function classifyInbound(body: string | null | undefined): InboundClassification {
  const raw = body ?? "";
  const normalized = normalizeInboundText(raw);
  if (!normalized) return { kind: "other" };

  const keyword = exactKeyword(normalized);
  if (keyword) return { kind: KEYWORD_KIND.get(keyword)!, keyword: keyword.toUpperCase(), matchedBy: "keyword" };

  if (NEGATED_OPT_OUT.test(normalized)) return { kind: "other" };

  const sentences = raw
    .split(/[.!?;\n\r]+/)
    .map(normalizeInboundText)
    .filter(Boolean);
  const phrase = matchOptOutPhrase(normalized, sentences);
  if (phrase)
    return { kind: "opt_out", keyword: OPT_OUT_SET.has(phrase) ? phrase.toUpperCase() : phrase, matchedBy: "phrase" };
  return { kind: "other" };
}
