/**
 * onnxruntime's execution providers the app knows, declared once: the settings, the engine protocol, the catalog,
 * the hardware check and the CLI's `--provider` read this list.
 */
export const PROVIDER_NAMES = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What a question or the settings may ask for: a provider, or `auto` (the platform's list, best first). */
export const PROVIDER_PREFERENCES = ['auto', ...PROVIDER_NAMES] as const;
export type ProviderPreference = (typeof PROVIDER_PREFERENCES)[number];

export const PROVIDERS: { readonly [P in ProviderName]: { gpu: boolean } } = {
  cuda: { gpu: true },
  tensorrt: { gpu: true },
  dml: { gpu: true },
  coreml: { gpu: true },
  webgpu: { gpu: true },
  cpu: { gpu: false },
};
