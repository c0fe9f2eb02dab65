import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where bondlab keeps downloaded kernels and built initramfs images (XDG cache by default). */
export function cacheDir(): string {
  if (process.env.BONDLAB_CACHE_DIR) return process.env.BONDLAB_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bondlab');
}

/** Where VM console logs are kept after the VM is gone. */
export function logDir(): string {
  if (process.env.BONDLAB_LOG_DIR) return process.env.BONDLAB_LOG_DIR;
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'bondlab', 'logs');
}
