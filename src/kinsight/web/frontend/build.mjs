// `npm run build`: compile GOV.UK Frontend with neutral branding into the Python package's static
// folder, so the running service needs no Node. Output is build output (see .gitignore).
import { compile, NodePackageImporter } from "sass";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..", "..");
const out = join(here, "..", "static", "dist");
const frontend = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
mkdirSync(out, { recursive: true });

const css = compile(join(here, "kinsight.scss"), {
  importers: [new NodePackageImporter(root)],
  style: "compressed",
  sourceMap: false,
}).css;
if (css.includes("GDS Transport") || css.includes("@font-face")) {
  throw new Error("the compiled CSS still carries GDS Transport, which is licensed only for gov.uk");
}
writeFileSync(join(out, "kinsight.css"), css);

copyFileSync(join(frontend, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(here, "kinsight.mjs"), join(out, "kinsight.mjs"));
copyFileSync(join(here, "favicon.svg"), join(out, "favicon.svg"));
console.log(`built ${css.length} bytes of CSS into ${out}`);
