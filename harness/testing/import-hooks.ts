/** The module loader hook of record-imports.ts: appends each resolved URL to BONDLAB_RECORD_IMPORTS. */
import { appendFileSync } from 'node:fs';
import type { ResolveHook } from 'node:module';

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await nextResolve(specifier, context);
  const file = process.env.BONDLAB_RECORD_IMPORTS;
  if (file) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
};
