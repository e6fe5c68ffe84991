// Generates the typed API client's types from the checked-in OpenAPI
// documents (../openapi/<api>.json) into src/api/gen/: a wire change then
// breaks `tsc`, not a page. Never edit src/api/gen by hand.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/api/gen");
mkdirSync(out, { recursive: true });
const bin = join(root, "node_modules/.bin/openapi-typescript");
for (const api of ["identity", "compute", "network", "image", "volume", "metering"]) {
  execFileSync(bin, [join(root, "../openapi", `${api}.json`), "-o", join(out, `${api}.d.ts`)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}
