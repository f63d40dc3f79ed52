import { defineConformance } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { cpu } from '../src/index.js';

// The shared suite, backend under test = reference = cpu: checks poisoning, determinism and errors.
// Agreement with an independent formula is in naive.test.ts.
await defineConformance({ factory: cpu(), reference: cpu(), describe, it, expect, afterAll });
