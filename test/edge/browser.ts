// The browser tests' Chromium (scripts/chromium.mjs, shared with the cold-start bench):
// locally a missing Chromium skips them; in CI (.ci/run installs it) it fails them.
import { chromiumAvailable } from '../../scripts/chromium.mjs';

export { launchChromium, serve } from '../../scripts/chromium.mjs';
export const chromiumMissing = !chromiumAvailable() && process.env.CI !== 'true';
