// What kind of client sent a request, from its user agent: an official SDK (what most applications and many
// scripts use), a bare HTTP library or command-line tool (scripted clients: evaluation harnesses and scrapers
// often are), a browser, another named client (an application or agent with its own user agent), or none.
export const CLIENT_NONE = 0;
export const CLIENT_SDK = 1;
export const CLIENT_SCRIPTED = 2;
export const CLIENT_BROWSER = 3;
export const CLIENT_OTHER = 4;
export const CLIENT_NAMES = ['none', 'sdk', 'scripted', 'browser', 'other'] as const;

const SDK =
  /^(?:OpenAI\/|openai-(?:python|node|go|java|dotnet|ruby)|AsyncOpenAI|Anthropic\/|anthropic-(?:python|typescript|sdk|go|java)|AsyncAnthropic|google-genai|litellm|langchain|llama[-_]?index|ai-sdk|vercel-ai)/i;
const SCRIPTED =
  /^(?:python-requests|python-httpx|python-urllib|Python-urllib|aiohttp|httpx|urllib3|curl|Wget|libcurl|Go-http-client|okhttp|axios|node-fetch|undici|got|node|Java-http-client|Java\/|Apache-HttpClient|PostmanRuntime|insomnia|HTTPie|Ruby|Faraday|reqwest|Dart|Deno|Bun|PowerShell|WinHttp|Scrapy)\b/i;
const BROWSER = /^Mozilla\/|\b(?:Chrome|Safari|Firefox|Edg)\/\d/;

export function clientClass(userAgent: string | undefined): number {
  if (!userAgent) return CLIENT_NONE;
  if (SDK.test(userAgent)) return CLIENT_SDK;
  if (SCRIPTED.test(userAgent)) return CLIENT_SCRIPTED;
  if (BROWSER.test(userAgent)) return CLIENT_BROWSER;
  return CLIENT_OTHER;
}

/**
 * What linkage compares: a stock SDK is reduced to its family (an SDK version is shared by everyone who
 * upgraded that week, not a fingerprint of one operator), any browser is just "browser", and every other
 * client keeps its full user agent.
 */
export function linkableAgent(userAgent: string | undefined, cls: number): string | undefined {
  if (!userAgent) return undefined;
  if (cls === CLIENT_BROWSER) return 'browser';
  if (cls === CLIENT_SDK) return `sdk:${userAgent.replace(/[\s/(]*v?\d[\s\S]*$/, '').toLowerCase()}`;
  return userAgent;
}
