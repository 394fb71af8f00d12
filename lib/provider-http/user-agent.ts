import { VERSION } from '../version.js';

/** `pricing-sync/<version>`, sent on every provider request. */
export const USER_AGENT = `pricing-sync/${VERSION}`;
