import type { MethodName, ParsedParamsOf, ResultOf } from '../../src-common/api/contract';
import type { AppInfo } from '../../src-common/api/schemas';
import type { Disposable } from '../../src-common/lifecycle';
import type { AudioService } from '../audio/audio-service';
import type { ChatService } from '../chat/chat-service';
import type { AppHome } from '../core/app-home';
import type { SettingsStore } from '../core/settings';
import type { EngineClient } from '../engine/engine-client';
import type { ChosenFiles } from '../files/chosen-files';
import type { BatchService } from '../interchange/batch-service';
import type { ModelManager } from '../models/manager';
import type { AppEvents } from './app-events';

/**
 * Types only, so that `handlers.ts` and the feature folders' `api-handlers.ts` can both depend on them without
 * depending on each other.
 */

export type Handlers = { [M in MethodName]: (params: ParsedParamsOf<M>) => Promise<ResultOf<M>> };

/** Every service of the app, created once by the composition root (src-main/compose/app.ts) and disposed with it. */
export interface AppServices extends Disposable {
  shell: AppInfo['shell'];
  version: string;
  home: AppHome;
  bundledModels: string;
  settings: SettingsStore;
  files: ChosenFiles;
  engine: EngineClient;
  /** Every event for the connected pages, published once here; each transport forwards all of them. */
  events: AppEvents;
  /** Regions, questions and answers per audio file. */
  chat: ChatService;
  /** Peaks, samples and measured facts of the chosen files. */
  audio: AudioService;
  /** Batches started from the page. */
  batch: BatchService;
  /** Downloads, packs and verification of models; absent where a host does not manage models. */
  models?: ModelManager;
  /** The platform's dialog to pick a model folder or `.tar` pack (Electron only). */
  showImportDialog?: () => Promise<string[]>;
  /** The platform's open dialog; absent in the headless host, where the page uploads files instead. */
  showOpenDialog?: () => Promise<string[]>;
}
