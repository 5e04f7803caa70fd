// The input estimate limits reserve at admission: images and documents by their token cost (never their base64
// length), token ids one each, tool definitions as their text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pngBase64 } from '../support/test-images.js';
import { anthropicImageTokens, estimateInputTokens, imageSize, openAiImageTokens, PDF_TOKENS_PER_PAGE } from '../../src/gateway/input-token-estimate.js';

function jpeg(w: number, h: number): Buffer {
  // SOI, an APP0 segment to skip, then SOF0 with height and width.
  return Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, h >> 8, h & 0xff, w >> 8, w & 0xff, 3, 0, 0, 0]);
}

test('image sizes are read from PNG, GIF, JPEG and WebP headers', () => {
  assert.deepEqual(imageSize(Buffer.from(pngBase64(640, 480), 'base64')), { w: 640, h: 480 });
  const gif = Buffer.from('GIF89a\x20\x03\x58\x02', 'latin1');
  assert.deepEqual(imageSize(gif), { w: 800, h: 600 });
  assert.deepEqual(imageSize(jpeg(1920, 1080)), { w: 1920, h: 1080 });
  const webp = Buffer.alloc(30);
  webp.write('RIFF', 0, 'latin1');
  webp.write('WEBPVP8X', 8, 'latin1');
  webp.writeUIntLE(1023, 24, 3);
  webp.writeUIntLE(511, 27, 3);
  assert.deepEqual(imageSize(webp), { w: 1024, h: 512 });
  assert.equal(imageSize(Buffer.from('not an image')), undefined);
});

test('per-API image formulas match the providers\' published examples', () => {
  assert.equal(openAiImageTokens(1024, 1024), 765);
  assert.equal(openAiImageTokens(2048, 4096), 1105);
  assert.equal(openAiImageTokens(512, 512), 255);
  assert.equal(anthropicImageTokens(1000, 1000), 1334);
  assert.equal(anthropicImageTokens(4000, 4000), 1600, 'Anthropic resizes large images: at most ~1,600 tokens');
});

test('a 1 MB base64 image costs its image tokens, not its characters, in every door\'s shape', () => {
  const data = pngBase64(1024, 768, 800_000);
  assert.ok(data.length > 1_000_000);
  const text = { type: 'text', text: 'describe this picture' };
  const chat = { messages: [{ role: 'user', content: [text, { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } }] }] };
  const responses = { input: [{ role: 'user', content: [{ type: 'input_text', text: 'describe this picture' }, { type: 'input_image', image_url: `data:image/png;base64,${data}` }] }] };
  const messages = { messages: [{ role: 'user', content: [text, { type: 'image', source: { type: 'base64', media_type: 'image/png', data } }] }] };
  // The text, with the role (a message's own overhead); the image part by its formula.
  const words = Math.ceil('userdescribe this picture'.length / 4);
  assert.equal(estimateInputTokens(chat, 'openai'), words + 765);
  assert.equal(estimateInputTokens(responses, 'openai'), words + 765);
  assert.equal(estimateInputTokens(messages, 'anthropic'), words + anthropicImageTokens(1024, 768));
  const low = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${data}`, detail: 'low' } }] }] };
  assert.equal(estimateInputTokens(low, 'openai'), 1 + 85);
  const byUrl = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }] }] };
  assert.equal(estimateInputTokens(byUrl, 'anthropic'), 1 + 1600);
});

test('PDF documents cost per page; text documents by their text', () => {
  const pdf = Buffer.from('%PDF-1.7\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page>>\n' + 'x'.repeat(200_000)).toString('base64');
  const doc = { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } }] }] };
  assert.equal(estimateInputTokens(doc, 'anthropic'), 1 + 2 * PDF_TOKENS_PER_PAGE, 'role "user" plus two pages');
  const file = { input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` }] }] };
  assert.equal(estimateInputTokens(file, 'openai'), 1 + 2 * PDF_TOKENS_PER_PAGE);
  const plain = { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x'.repeat(400) } }] }] };
  assert.equal(estimateInputTokens(plain, 'anthropic'), 1 + 100);
});

test('tool definitions, instructions, prompts and token ids count', () => {
  const tools = [{ type: 'function', function: { name: 'lookup', description: 'x'.repeat(4000), parameters: { type: 'object' } } }];
  assert.ok(estimateInputTokens({ messages: [], tools }, 'openai') >= 1000);
  assert.equal(estimateInputTokens({ instructions: 'x'.repeat(40), input: 'y'.repeat(40) }, 'openai'), 20);
  assert.equal(estimateInputTokens({ prompt: [1, 2, 3, 4, 5] }, 'openai'), 5);
  assert.equal(estimateInputTokens({ input: [[1, 2], [3]] }, 'openai'), 3);
});
