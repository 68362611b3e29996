import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import type { ModelSettings } from './model-settings';

/**
 * The HTTP dispatcher every model download goes through. Node's built-in fetch ignores proxy variables, and
 * corporate networks need both a proxy and their own CA, so we build undici's agents ourselves:
 * - the `proxy` setting, else HTTPS_PROXY / HTTP_PROXY (any case), with NO_PROXY exclusions;
 * - extra CA certificates from the `caFile` setting on top of Node's roots (NODE_EXTRA_CA_CERTS already reaches
 *   Node's default store, which undici uses when no `ca` is given).
 */
export function createDispatcher(settings: ModelSettings, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const ca = settings.caFile ? [...rootCertificates, readCaFile(settings.caFile)] : undefined;
  const tls = ca ? { ca } : {};
  // Downloads are long: a fixed overall timeout would kill big files, so only idle time is bounded (stall detection).
  const timeouts = { headersTimeout: 30_000, bodyTimeout: 30_000, connectTimeout: 15_000 };
  const proxy = settings.proxy;
  const anyProxy = proxy || env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY;
  if (!anyProxy) return new Agent({ ...timeouts, connect: tls });
  return new EnvHttpProxyAgent({
    ...timeouts,
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
    ...(proxy ? { httpProxy: proxy, httpsProxy: proxy } : {}),
    ...(settings.noProxy !== undefined ? { noProxy: settings.noProxy } : {}),
  });
}

function readCaFile(path: string): string {
  try {
    const pem = readFileSync(path, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    return pem;
  } catch (error) {
    throw new ApiError('bad_request', `CA certificate file ${path} cannot be used: ${(error as Error).message}`);
  }
}
