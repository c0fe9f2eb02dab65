import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { connectEngine, defaultDockerHost } from '../container/engine.js';
import {
  DEFAULT_IMAGE,
  buildImageTarball,
  ensureImage,
  listEngineImages,
  listTarballs,
  removeImage,
  storePath,
  tarballPath,
} from '../container/image.js';
import { UsageError } from './errors.js';
import { printJson } from './output.js';

const say = (line: string) => process.stderr.write(`bondlab: ${line}\n`);

export function registerImage(program: Command): void {
  const image = program
    .command('image')
    .description("the container target's image: build it offline, list it, remove it");

  image
    .command('build')
    .description(
      `build ${DEFAULT_IMAGE} with debootstrap from Debian's archive (no registry needed) as a cached root filesystem tarball`,
    )
    .option('--mirror <url>', "Debian mirror (default: the one this machine's apt uses)")
    .option('--force', 'build again even when the tarball is cached')
    .option('--load', 'also import it into the engine DOCKER_HOST names')
    .action(async (options: { mirror?: string; force?: boolean; load?: boolean }) => {
      const result = await buildImageTarball({ mirror: options.mirror, force: options.force, log: say });
      process.stdout.write(
        `${result.path}${result.built ? ` (built in ${result.seconds.toFixed(0)} s)` : ' (cached)'}\n`,
      );
      if (options.load) {
        const engine = await connectEngine().catch((error: Error) => {
          throw new UsageError(error.message);
        });
        await ensureImage(engine, DEFAULT_IMAGE, say);
        process.stdout.write(`${DEFAULT_IMAGE} in the engine at ${engine.host}\n`);
      }
    });

  image
    .command('ls')
    .description("cached image tarballs, and bondlab's images in the engine DOCKER_HOST names")
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const tarballs = await listTarballs();
      const store = existsSync(storePath()) ? storePath() : null;
      const engine = await connectEngine().catch(() => undefined);
      const images = engine ? await listEngineImages(engine) : undefined;
      if (options.json)
        return printJson({ tarballs, vmEngineStore: store, engine: engine ? { host: engine.host, images } : null });
      const lines = [
        'tarballs:',
        ...(tarballs.length ? tarballs.map((t) => `  ${t.path}  ${t.sizeMb} MB`) : ['  none (bondlab image build)']),
      ];
      lines.push(`image store of --engine vm: ${store ?? 'not made yet (the first run with --engine vm makes it)'}`);
      lines.push(
        `engine ${defaultDockerHost()}:`,
        ...(images
          ? images.length
            ? images.map((i) => `  ${i.name}  ${i.id}  ${i.sizeMb} MB  ${i.created}`)
            : ['  no bondlab images']
          : ['  not reachable']),
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  image
    .command('rm')
    .description(
      "remove the image from the engine DOCKER_HOST names and, with --tarball, the cached tarball and the VM engine's image store",
    )
    .argument('[name]', 'image name', DEFAULT_IMAGE)
    .option('--tarball', 'also remove the cached tarball')
    .action(async (name: string, options: { tarball?: boolean }) => {
      const engine = await connectEngine().catch(() => undefined);
      if (engine) {
        await removeImage(engine, name).then(
          () => process.stdout.write(`removed ${name} from ${engine.host}\n`),
          (error: { statusCode?: number; message: string }) => {
            if (error.statusCode !== 404) throw error;
            process.stdout.write(`${name} is not in ${engine.host}\n`);
          },
        );
      } else if (!options.tarball) {
        throw new UsageError(`no Docker engine answers at ${defaultDockerHost()}; nothing removed`);
      }
      if (options.tarball) {
        for (const path of [tarballPath(), storePath()]) {
          await rm(path, { force: true });
          process.stdout.write(`removed ${path}\n`);
        }
      }
    });
}
