/**
 * Built-in wording of the keyword replies. Kept short (one GSM-7 segment where the brand allows)
 * and free of marketing: an opt-out confirmation may only confirm (CTIA, TCPA).
 *
 * `brand` null: the text concerned several workspaces sharing the number, and the one reply must
 * name none of them, so the wording speaks of "this number" instead.
 */
export function optOutConfirmation(brand: string | null): string {
  if (brand === null)
    return "You are unsubscribed and will receive no more marketing texts from this number. Reply START to resubscribe.";
  return `${brand}: You are unsubscribed and will receive no more marketing texts from us. Reply START to resubscribe.`;
}

export function optInConfirmation(brand: string | null, topicNames: string[]): string {
  if (brand === null)
    return "You can receive texts from this number again. Msg & data rates may apply. Reply HELP for help, STOP to opt out.";
  const what =
    topicNames.length > 0
      ? `You are resubscribed to ${topicNames.join(", ")}.`
      : "You can receive texts from us again.";
  return `${brand}: ${what} Msg & data rates may apply. Reply HELP for help, STOP to opt out.`;
}

export function helpReply(brand: string | null, supportContact: string): string {
  if (brand === null) return `For help, visit ${supportContact}. Msg & data rates may apply. Reply STOP to opt out.`;
  return `${brand}: For help, contact ${supportContact}. Msg & data rates may apply. Reply STOP to opt out.`;
}
