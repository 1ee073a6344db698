import { LinkNotValid } from "@/components/preferences/link-not-valid";

/** `/preferences/{token}` with an expired, altered or foreign token: 404, in the shell. */
export default function PreferencesLinkNotFound() {
  return <LinkNotValid kind="preferences" />;
}
