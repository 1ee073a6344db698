import { LinkNotValid } from "@/components/preferences/link-not-valid";

/** `/u/{token}` with a token that is altered, foreign or names what no longer exists: 404, in the shell. */
export default function UnsubscribeLinkNotFound() {
  return <LinkNotValid kind="unsubscribe" />;
}
