import packageJson from '../../package.json' with { type: 'json' };

/** `pricing-sync/<version>`, sent on every provider request. */
export const USER_AGENT = `pricing-sync/${packageJson.version}`;
