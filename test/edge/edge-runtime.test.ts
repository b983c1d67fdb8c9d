// The inference entry in a web-standard context without Node's globals (edge-runtime's
// VM: no process, Buffer or require), producing Node's outputs.
import { describe, expect, it } from 'vitest';
import { EdgeVM } from '@edge-runtime/vm';
import { join } from 'node:path';
import * as lib from '../../src/index.js';
import { inference } from './scenario.js';
import { bundle, maxAbsDiff, root, scenarioInt8ModelBytes, scenarioModelBytes } from './bundle.js';

describe('edge-runtime (web-standard VM)', () => {
  it.each([['f32', scenarioModelBytes], ['int8', scenarioInt8ModelBytes]])('runs the inference scenario with Node\'s results (%s model file)', async (_, modelBytes) => {
    const bytes = modelBytes();
    const expected = await inference(lib, bytes);
    const { code } = await bundle({ entryPoints: [join(root, 'test/edge/entries/edge-vm.js')], format: 'iife', platform: 'browser' });
    const vm = new EdgeVM();
    expect(vm.evaluate('typeof process + typeof Buffer + typeof require')).toBe('undefinedundefinedundefined');
    vm.evaluate(code);
    const got = JSON.parse(await vm.evaluate(`runScenario(${JSON.stringify(Buffer.from(bytes).toString('base64'))})`));
    expect(got.generated).toEqual(expected.generated);
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-6);
  });
});
