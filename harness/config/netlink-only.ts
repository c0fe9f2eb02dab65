/**
 * Driver options the scenario language does not take (the runner writes options through sysfs,
 * and these have no sysfs file), with the values the driver takes (bond_options.c). The
 * configuration readers check them beside BOND_OPTIONS.
 */
export const NETLINK_ONLY_OPTIONS: Record<string, object> = {
  broadcast_neighbor: { enum: ['off', 'on'] },
};
