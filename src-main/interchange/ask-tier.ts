import type { DecodingSettings } from '../../src-common/api/inference';
import type { Exchange } from '../../src-common/api/library';
import { isPoint } from '../../src-common/interchange/export-source';
import type { ChatService } from '../chat/chat-service';

/**
 * "Ask this question for every interval of tier X": one chat question per region of the group, in time order.
 * Each is queued in the engine at once and saved as pending, so the page shows them all and answers stream in
 * as `chat.step` / `chat.updated`. Points have no audio span and are left out.
 */
export async function askTier(
  chat: ChatService,
  input: { fileId: string; group: string | null; question: string; decoding: DecodingSettings; modelId?: string },
): Promise<Exchange[]> {
  const doc = await chat.library(input.fileId);
  const regions = doc.regions.filter((r) => r.group === input.group && !isPoint(r)).sort((a, b) => a.start - b.start);
  const exchanges: Exchange[] = [];
  for (const region of regions) {
    exchanges.push(await chat.ask({ fileId: input.fileId, regionId: region.id, question: input.question, decoding: input.decoding, modelId: input.modelId }));
  }
  return exchanges;
}
