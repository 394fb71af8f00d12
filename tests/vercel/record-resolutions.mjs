// `node --import ./record-resolutions.mjs`: appends every module URL the process resolves to the file
// named by RESOLUTION_LOG, so a test can tell which drivers a built function loaded.
import { register } from 'node:module';

register('./resolution-hook.mjs', import.meta.url);
