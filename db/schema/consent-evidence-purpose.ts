/**
 * The encryption purpose (associated data) of a consent event's sealed evidence. In a module of
 * its own, with no imports, so the import's preparation worker can seal notes without bundling
 * the schema.
 */
export const CONSENT_EVIDENCE_PURPOSE = "consent_event.evidence";
