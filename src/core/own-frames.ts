import { fileURLToPath, pathToFileURL } from 'node:url';

/** OWN_ROOT is the folder of Gauntlet's own compiled code (dist/ in the package, build/src/ in tests). */
const OWN_ROOT = fileURLToPath(new URL('../', import.meta.url));
const OWN_URL = pathToFileURL(OWN_ROOT).href;

/**
 * isOwnFrame says whether a stack line is Gauntlet's own code or Node's internals, so a sample stack
 * or a hint can point at the user's frame instead. It is found from where this module runs, so it
 * holds for every layout (package, test build, a script's bundled `import 'gauntlet'`).
 */
export function isOwnFrame(line: string): boolean {
  return line.includes(OWN_ROOT) || line.includes(OWN_URL) || line.includes('node:internal');
}
