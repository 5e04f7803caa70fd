// Tool definitions as clients send them: names made of an action and an object ("search_flights",
// "getStockQuote"), a description and a JSON schema of one to four parameters. A tool-use harvest draws each
// request's tools from thousands of such APIs; an application or an agent offers its own few dozen again and
// again. Names are drawn per seed from wide lists, so no detector can learn the simulator's catalogue.
import type { Api } from './trace-request.js';
import type { Rng } from './rng.js';

const ACTIONS = [
  'get', 'search', 'list', 'create', 'update', 'delete', 'find', 'check', 'book', 'cancel', 'convert', 'calculate',
  'send', 'fetch', 'lookup', 'track', 'translate', 'schedule', 'recommend', 'validate', 'analyze', 'generate',
  'compare', 'estimate', 'summarize', 'reserve', 'subscribe', 'upload', 'download', 'query', 'predict', 'resolve',
];
const OBJECTS = [
  'weather', 'forecast', 'flight', 'hotel', 'stock_price', 'exchange_rate', 'recipe', 'movie', 'song', 'playlist',
  'order', 'invoice', 'payment', 'user', 'account', 'ticket', 'event', 'calendar_event', 'email', 'message', 'contact',
  'route', 'distance', 'address', 'restaurant', 'review', 'product', 'inventory', 'shipment', 'package', 'news',
  'article', 'book', 'patent', 'paper', 'company', 'job', 'salary', 'tax', 'loan', 'mortgage', 'insurance_quote',
  'crypto_price', 'domain', 'ip_info', 'dns_record', 'vulnerability', 'repository', 'issue', 'pull_request', 'commit',
  'build', 'container', 'metric', 'log', 'alert', 'sensor_reading', 'device', 'license', 'subscription', 'coupon',
  'reservation', 'appointment', 'prescription', 'symptom', 'nutrition', 'workout', 'timezone', 'holiday',
  'definition', 'synonym', 'quote', 'trivia_question', 'sports_score', 'match', 'player', 'team', 'league',
  'lottery_result', 'air_quality', 'earthquake', 'tide', 'sunrise', 'parking_spot', 'charging_station', 'car_listing',
  'property', 'rental', 'course', 'grade', 'exam', 'podcast', 'video', 'image', 'file', 'folder', 'spreadsheet',
  'currency', 'country', 'city', 'population', 'election', 'bill', 'donation', 'charity', 'volunteer', 'pet',
];
const PARAMS = [
  ['query', 'string'], ['city', 'string'], ['date', 'string'], ['limit', 'integer'], ['id', 'string'], ['amount', 'number'],
  ['currency', 'string'], ['location', 'string'], ['start_date', 'string'], ['end_date', 'string'], ['user_id', 'string'],
  ['category', 'string'], ['language', 'string'], ['units', 'string'], ['symbol', 'string'], ['radius_km', 'number'],
  ['include_details', 'boolean'], ['page', 'integer'], ['sort_by', 'string'], ['email', 'string'],
] as const;

/** A tool of a catalogue: its name, and its definition as the API's clients send it. */
export interface OfferedTool {
  name: string;
  definition: Record<string, unknown>;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Every action-object pair a tool can be named for. */
const PAIRS = ACTIONS.flatMap((a) => OBJECTS.map((o) => [a, o] as const));

/**
 * `size` distinct tools (at most every action-object pair), named in one style per catalogue, each defined as the
 * API's clients send it: chat completions' function tool, or Anthropic's input_schema tool.
 */
export function toolCatalog(rng: Rng, size: number, api: Api): OfferedTool[] {
  const style = rng.pick(['snake', 'camel', 'pascal'] as const);
  return rng.sample(PAIRS, Math.min(size, PAIRS.length)).map(([a, o]) => {
    const snake = `${a}_${o}`;
    const name = style === 'snake' ? snake : style === 'camel' ? camel(snake) : camel(`_${snake}`);
    const description = `${a[0]!.toUpperCase()}${a.slice(1)} ${o.replace(/_/g, ' ')}.`;
    const params = rng.sample([...PARAMS], rng.int(1, 4));
    const parameters = { type: 'object', properties: Object.fromEntries(params.map(([n, type]) => [n, { type }])), required: [params[0]![0]] };
    const definition = api === 'anthropic' ? { name, description, input_schema: parameters } : { type: 'function', function: { name, description, parameters } };
    return { name, definition };
  });
}
