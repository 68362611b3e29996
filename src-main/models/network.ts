import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';
import { ApiError } from '../../src-common/api/errors';
import { hubPolicy, type ModelSettings } from './model-settings';

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
  // Read from `env` (not undici's own look at process.env) so a caller can decide, and tests can describe, the network.
  const httpProxy = settings.proxy || env.http_proxy || env.HTTP_PROXY || undefined;
  const httpsProxy = settings.proxy || env.https_proxy || env.HTTPS_PROXY || httpProxy;
  // Storage hosts must not resolve into the local network; behind a proxy the proxy resolves names, not us.
  if (!httpProxy && !httpsProxy) return new Agent({ ...timeouts, connect: { ...tls, lookup: hubPolicy(settings, env).guardedLookup() } });
  return new EnvHttpProxyAgent({
    ...timeouts,
    connect: tls,
    requestTls: tls,
    proxyTls: tls,
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: settings.noProxy ?? env.no_proxy ?? env.NO_PROXY ?? '',
  });
}

/** TLS failures no retry can fix: the user must trust the certificate (a corporate proxy's CA, a mirror's own CA). */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** An ApiError for an untrusted certificate, or null when `error` is something else. */
export function tlsTrustError(error: unknown, host: string): ApiError | null {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: string }).code;
    if (code && TLS_TRUST_CODES.has(code))
      return new ApiError('io_error', `${host}: its TLS certificate is not trusted (${code}); add your CA with NODE_EXTRA_CA_CERTS or the caFile setting`, {
        code,
      });
    current = (current as { cause?: unknown }).cause;
  }
  return null;
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
