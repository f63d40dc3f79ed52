import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup (root vitest.config.ts): every test of the run gets one fresh temporary root through
 * TMPDIR (os.tmpdir() reads it on each call, and the test workers inherit it), removed when the run ends.
 * Tests make their scratch directories, kernel caches and fake drivers with mkdtemp under tmpdir(); without
 * this, each run left ~40 directories behind in /tmp.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'gemmkit-test-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
