import { afterEach, describe, expect, it } from 'vitest';
import { overlayEnv } from './process-env.js';

describe('overlayEnv', () => {
  afterEach(() => {
    delete process.env.BONDLAB_TEST_SET;
    delete process.env.BONDLAB_TEST_UNSET;
  });

  it('sets the values, then restores the previous ones and deletes the ones that were unset', () => {
    process.env.BONDLAB_TEST_SET = 'before';
    const restore = overlayEnv({ BONDLAB_TEST_SET: 'engine', BONDLAB_TEST_UNSET: 'tcp://engine:2376' });
    expect(process.env.BONDLAB_TEST_SET).toBe('engine');
    expect(process.env.BONDLAB_TEST_UNSET).toBe('tcp://engine:2376');
    restore();
    expect(process.env.BONDLAB_TEST_SET).toBe('before');
    expect('BONDLAB_TEST_UNSET' in process.env).toBe(false);
  });
});
