// Parses every ```mermaid block of the Markdown files given with Mermaid's own parser (from npm),
// as GitHub renders them. Prints one line per broken block and exits 1 if there is any.
import fs from "node:fs";
import { JSDOM } from "jsdom";

// Mermaid sanitises labels with DOMPurify, which needs a DOM: give it jsdom's, then load Mermaid.
const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

const BLOCK = /```mermaid\n([\s\S]*?)```/g;

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: node mermaid-check.mjs FILE.md...");
    return 2;
  }
  let blocks = 0;
  let broken = 0;
  for (const path of paths) {
    const text = fs.readFileSync(path, "utf8");
    for (const match of text.matchAll(BLOCK)) {
      blocks += 1;
      const line = text.slice(0, match.index).split("\n").length;
      try {
        await mermaid.parse(match[1]);
      } catch (error) {
        broken += 1;
        console.log(`${path}:${line}: ${String(error.message || error).split("\n")[0]}`);
      }
    }
  }
  console.log(`mermaid: ${blocks} diagram(s) in ${paths.length} file(s), ${broken} broken`);
  return broken === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
