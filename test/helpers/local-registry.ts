/**
 * A minimal Docker Registry HTTP API v2 server for tests (read only, loopback only). It serves images read from
 * `docker save` tarballs: a schema2 manifest built from the saved config and layers, the config blob and the layer
 * blobs. dockerd treats 127.0.0.0/8 registries as insecure by default, so `docker pull 127.0.0.1:<port>/x:y` works
 * over plain HTTP without touching the daemon's configuration.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const CONFIG_V1 = 'application/vnd.docker.container.image.v1+json';
export const LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
export const LAYER_TAR_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

interface Blob {
  path?: string;
  bytes?: Buffer;
  size: number;
  mediaType: string;
}

interface Manifest {
  bytes: Buffer;
  digest: string;
}

export interface RegistryRequest {
  method: string;
  path: string;
  /** 0 until answered. */
  status: number;
  /** The connection ended (answered, or dropped by the client). */
  closed: boolean;
}

export interface LocalRegistryOptions {
  /** Layers as they are in the tarball (uncompressed, default) or gzipped here (digests over the gzipped bytes). */
  layerCompression?: 'none' | 'gzip';
  /** Answer 404 (MANIFEST_UNKNOWN) for every manifest, as a registry that does not have the image. */
  manifestsMissing?: boolean;
  /** Never answer a manifest request (a registry that accepts connections and then stalls). */
  manifestsHang?: boolean;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the prefix of image names served here. */
  readonly host: string;
  readonly port: number;
  /** Every request in order of arrival; status 0 while (or when never) answered. */
  readonly requests: RegistryRequest[];
  /** Serves the (first) image of a `docker save` tarball as `<repository>:<tag>`. Returns the manifest digest. */
  serveTarball(tarball: string, repository: string, tag: string): Promise<string>;
  close(): Promise<void>;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function sendError(res: ServerResponse, status: number, code: string, message: string, head: boolean): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

export async function startLocalRegistry(opts: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const work = mkdtempSync(join(tmpdir(), 'swegym-registry-'));
  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, Manifest>(); // "<repository>:<tag>" and "<repository>@<digest>"
  const requests: RegistryRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const head = method === 'HEAD';
    const entry: RegistryRequest = { method, path, status: 0, closed: false };
    requests.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    res.on('close', () => (entry.closed = true));
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (method !== 'GET' && !head) return sendError(res, 405, 'UNSUPPORTED', 'read-only registry', false);
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 });
      res.end(head ? undefined : '{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `no route for ${path}`, head);
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') {
      if (opts.manifestsHang) return; // the connection stays open until close()
      const found = opts.manifestsMissing ? undefined : manifests.get(ref.startsWith('sha256:') ? `${name}@${ref}` : `${name}:${ref}`);
      if (!found) return sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest unknown: ${name}:${ref}`, head);
      res.writeHead(200, {
        'Content-Type': MANIFEST_V2,
        'Content-Length': found.bytes.length,
        'Docker-Content-Digest': found.digest,
        ETag: `"${found.digest}"`,
      });
      res.end(head ? undefined : found.bytes);
      return;
    }
    const blob = blobs.get(ref);
    if (!blob) return sendError(res, 404, 'BLOB_UNKNOWN', `blob unknown: ${ref}`, head);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.size, 'Docker-Content-Digest': ref });
    if (head) return void res.end();
    if (blob.bytes) return void res.end(blob.bytes);
    createReadStream(blob.path!).on('error', () => res.destroy()).pipe(res);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  const serveTarball = async (tarball: string, repository: string, tag: string): Promise<string> => {
    const dir = mkdtempSync(join(work, 'img-'));
    execFileSync('tar', ['-xf', tarball, '-C', dir]);
    const saved = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>;
    const entry = saved[0];
    if (!entry) throw new Error(`${tarball}: manifest.json lists no image`);
    const config = readFileSync(join(dir, entry.Config));
    const configDigest = sha256(config);
    blobs.set(configDigest, { bytes: config, size: config.length, mediaType: CONFIG_V1 });
    const layers: Array<{ mediaType: string; size: number; digest: string }> = [];
    for (const [i, rel] of entry.Layers.entries()) {
      let path = join(dir, rel);
      let mediaType = LAYER_TAR;
      if (opts.layerCompression === 'gzip') {
        const gz = join(dir, `layer-${i}.tar.gz`);
        await pipeline(createReadStream(path), createGzip({ level: 1 }), createWriteStream(gz));
        path = gz;
        mediaType = LAYER_TAR_GZIP;
      }
      const digest = await sha256File(path);
      const size = statSync(path).size;
      blobs.set(digest, { path, size, mediaType });
      layers.push({ mediaType, size, digest });
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_V2,
        config: { mediaType: CONFIG_V1, size: config.length, digest: configDigest },
        layers,
      }),
    );
    const digest = sha256(manifest);
    manifests.set(`${repository}:${tag}`, { bytes: manifest, digest });
    manifests.set(`${repository}@${digest}`, { bytes: manifest, digest });
    return digest;
  };

  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    serveTarball,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(work, { recursive: true, force: true });
    },
  };
}
