import type { ChatMessage, GenerateRequest, PromptInput } from '../model';
import { ImageInputError } from './errors';
import { imageDataUrl } from '../image/image-input';

/** A chat message as the chat-completions route takes it (images as data URLs). */
export type WireMessage = {
  role: string;
  content: string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
};

/** The prompt's messages with each image part replaced by the data URL of the image it points at. */
export async function toWireMessages(prompt: PromptInput): Promise<WireMessage[]> {
  const images = prompt.images ?? [];
  const urls = await Promise.all(images.map((image) => imageDataUrl(image)));
  let nextImage = 0;
  return prompt.messages.map((message: ChatMessage) => {
    if (typeof message.content === 'string') return { role: message.role, content: message.content };
    return {
      role: message.role,
      content: message.content.map((part) => {
        if (part.type === 'text') return { type: 'text' as const, text: part.text };
        const index = part.index ?? nextImage;
        nextImage = index + 1;
        const url = urls[index];
        if (!url)
          throw new ImageInputError(
            `an image part points at image ${index}, but the prompt has ${urls.length} image(s); add it to prompt.images`,
          );
        return { type: 'image_url' as const, image_url: { url } };
      }),
    };
  });
}

/**
 * The chat-completions request body for one prompt: the standard OpenAI fields, vLLM's `top_k`
 * and `stop_token_ids` extras only when set, and streaming with usage when the caller streams.
 */
export async function buildChatRequestBody(
  model: string,
  prompt: PromptInput,
  request: GenerateRequest,
): Promise<Record<string, unknown>> {
  const sampling = request.sampling ?? {};
  return {
    model,
    messages: await toWireMessages(prompt),
    n: sampling.n ?? 1,
    temperature: sampling.temperature ?? 0,
    ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
    ...(sampling.topK ? { top_k: sampling.topK } : {}),
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    ...(sampling.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
    ...(sampling.stop?.length ? { stop: sampling.stop } : {}),
    ...(sampling.stopTokenIds?.length ? { stop_token_ids: sampling.stopTokenIds } : {}),
    ...(request.onStream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}
