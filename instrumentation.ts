/** Runs once when a Next server starts: migrate, bootstrap, start in-process jobs. */
export async function register() {
  // eslint-disable-next-line no-restricted-properties -- Next's own runtime marker, not configuration
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootServer } = await import("./server/boot");
  await bootServer();
}
