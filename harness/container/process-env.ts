/** Settings put into process.env for a while (testcontainers reads its engine from there), and taken back. */

/** Set `values` in process.env; the function returned puts back what was there, deleting what was unset. */
export function overlayEnv(values: Record<string, string>): () => void {
  const before = new Map(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
