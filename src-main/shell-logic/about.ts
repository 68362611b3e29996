/** The text of Help ▸ About: the app's version, the runtime it is built on and every installed model's licence. */
export interface AboutModel {
  name: string;
  version: string;
  licence: string;
  bundled: boolean;
}

export interface AboutInput {
  appName: string;
  version: string;
  versions: { electron?: string; chrome?: string; node?: string };
  models: readonly AboutModel[];
  /** Set when the model folders could not be read: the dialog says so instead of listing nothing. */
  modelError?: string;
}

export function aboutMessage(input: AboutInput): { message: string; detail: string } {
  const runtime = [
    input.versions.electron && `Electron ${input.versions.electron}`,
    input.versions.chrome && `Chromium ${input.versions.chrome}`,
    input.versions.node && `Node ${input.versions.node}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [`Version ${input.version}`];
  if (runtime) lines.push(runtime);
  lines.push('', 'Installed models:');
  if (input.modelError) lines.push(`  (could not be listed: ${input.modelError})`);
  else if (input.models.length === 0) lines.push('  none');
  for (const model of input.models) {
    lines.push(`  ${model.name} ${model.version}${model.bundled ? ' (bundled)' : ''} — licence: ${model.licence || 'not stated'}`);
  }
  return { message: `${input.appName} ${input.version}`, detail: lines.join('\n') };
}
