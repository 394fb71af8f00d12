// Runs in a plain node process: asks the pinned Vercel CLI's own deployment client which files
// `vercel deploy` would upload from a folder (its buildFileTree, which applies .vercelignore and the
// CLI's default ignores), without deploying anything and without the network.
// argv[2]: the CLI's `node_modules/vercel/dist/chunks` folder; argv[3]: the project folder.
// Prints a JSON array of the paths, relative to the project and `/`-separated.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const [chunks, project] = process.argv.slice(2);
// The client is bundled into one of the CLI's chunks; find the one that exports it.
let client = null;
for (const name of (await readdir(chunks)).filter((file) => file.endsWith('.js')).sort()) {
  const text = await readFile(join(chunks, name), 'utf8');
  if (!text.includes('buildFileTree:()=>') || !text.includes('as require_dist')) continue;
  const module = await import(pathToFileURL(join(chunks, name)).href);
  if (typeof module.require_dist === 'function') client = module.require_dist();
  if (typeof client?.buildFileTree === 'function') break;
}
if (typeof client?.buildFileTree !== 'function') {
  throw new Error(`no chunk under ${chunks} exports the deployment client's buildFileTree`);
}
const { fileList } = await client.buildFileTree(project, { isDirectory: true }, () => {});
const paths = fileList.map((file) => relative(project, file).split(sep).join('/')).sort();
process.stdout.write(JSON.stringify(paths));
