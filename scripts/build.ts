/** `npm run build`: a production build that `npm start` will reuse while the sources stay the same. */
import path from "node:path";
import { EnvError, getEnv } from "../server/lib/env";
import { buildIfNeeded } from "./lib/build";

try {
  getEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
process.exit(buildIfNeeded(path.resolve(__dirname, ".."), { force: true }) ? 0 : 1);
