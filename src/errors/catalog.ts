// The one catalog of Moat error codes. Every error a caller can see is listed here with its HTTP status,
// the error type used in each wire format, whether a retry can help, and what the caller should do.
// docs/errors.md is generated from this table (`moat errors --markdown`) and a test keeps them equal.

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface ErrorSpec {
  status: number;
  /** `error.type` in OpenAI's shape. */
  openaiType: string;
  /** `error.type` in Anthropic's shape. */
  anthropicType: AnthropicErrorType;
  /** Whether retrying the same request later can succeed; false adds `x-should-retry: false`. */
  retryable: boolean;
  meaning: string;
  action: string;
}

const spec = (
  status: number,
  openaiType: string,
  anthropicType: AnthropicErrorType,
  retryable: boolean,
  meaning: string,
  action: string,
): ErrorSpec => ({ status, openaiType, anthropicType, retryable, meaning, action });

export const ERROR_CATALOG = {
  // Request shape
  invalid_json: spec(400, 'invalid_request_error', 'invalid_request_error', false, 'The request body is not valid JSON.', 'Send a JSON object body.'),
  invalid_request: spec(400, 'invalid_request_error', 'invalid_request_error', false, 'The request body is JSON but not a valid request for this endpoint.', 'Fix the field named in the message.'),
  unsupported_media_type: spec(415, 'invalid_request_error', 'invalid_request_error', false, 'The content type is not application/json.', 'Send `Content-Type: application/json`.'),
  body_too_large: spec(413, 'invalid_request_error', 'request_too_large', false, 'The request body exceeds the configured limit (default 10 MiB).', 'Send a smaller request.'),
  unknown_model: spec(404, 'invalid_request_error', 'not_found_error', false, 'No route matches the requested model.', 'Use a model listed by `GET /v1/models`.'),
  api_mismatch: spec(400, 'invalid_request_error', 'invalid_request_error', false, 'The model is served by an upstream that speaks the other API (Moat does not translate between formats).', 'Call the model through its own front door (`/v1/chat/completions` or `/v1/messages`).'),
  not_found: spec(404, 'invalid_request_error', 'not_found_error', false, 'No such endpoint.', 'Check the URL and method.'),
  method_not_allowed: spec(405, 'invalid_request_error', 'invalid_request_error', false, 'The endpoint exists but not with this HTTP method (`allow` names the methods it takes).', 'Use the method in the `allow` header.'),
  malformed_http: spec(400, 'invalid_request_error', 'invalid_request_error', false, 'The bytes received are not a valid HTTP/1.1 request (bad request line, header or body framing).', 'Use an HTTP client library; do not hand-write requests.'),
  headers_too_large: spec(431, 'invalid_request_error', 'request_too_large', false, 'The request line and headers exceed the configured limit (`server.maxHeaderBytes`, default 16 KiB).', 'Send fewer or shorter headers.'),
  request_timeout: spec(408, 'invalid_request_error', 'timeout_error', true, 'The request (headers or body) did not arrive within the configured time (`server.headersTimeoutMs`, `server.requestTimeoutMs`).', 'Send the whole request promptly; retry.'),
  invalid_purpose: spec(400, 'invalid_request_error', 'invalid_request_error', false, 'The `moat-purpose` header is malformed or names an unknown purpose.', 'Use a purpose your organization holds a grant for.'),
  // Authentication
  missing_api_key: spec(401, 'invalid_request_error', 'authentication_error', false, 'No API key in `Authorization: Bearer` or `x-api-key`.', 'Send your Moat API key.'),
  malformed_api_key: spec(401, 'invalid_request_error', 'authentication_error', false, 'The API key is not of the form `moat_<env>_<random>` or its checksum is wrong (a typo).', 'Copy the key again exactly.'),
  invalid_api_key: spec(401, 'invalid_request_error', 'authentication_error', false, 'The API key is well formed but unknown (deleted or never issued).', 'Use a current key.'),
  key_disabled: spec(401, 'invalid_request_error', 'authentication_error', false, 'The API key has been disabled.', 'Ask your administrator for a new key.'),
  key_expired: spec(401, 'invalid_request_error', 'authentication_error', false, 'The API key has passed its expiry.', 'Ask your administrator for a new key.'),
  // Policy
  org_revoked: spec(403, 'permission_denied', 'permission_error', false, "The organization's access has been revoked; the message names the clause.", 'Contact the provider; cite the clause and case id.'),
  org_suspended: spec(403, 'permission_denied', 'permission_error', false, "The organization's access is suspended until the time in the message.", 'Wait until the stated time or contact the provider.'),
  org_restricted: spec(403, 'permission_denied', 'permission_error', false, 'The organization is restricted to what its grants allow, and this request is outside them.', 'Send only requests your grants cover (e.g. with `moat-purpose`).'),
  affiliate_restricted: spec(403, 'permission_denied', 'permission_error', false, 'Access is cut because of a restriction on an affiliated organization.', 'Contact the provider; cite the clause.'),
  feature_denied: spec(403, 'permission_denied', 'permission_error', false, 'The request uses a feature (e.g. coding tools) your organization may not use.', 'Remove the feature from the request or contact the provider.'),
  grant_out_of_scope: spec(403, 'permission_denied', 'permission_error', false, 'The request declares a purpose whose grant does not cover it (model, expiry or scope).', 'Stay within the grant, or ask for a wider one.'),
  // Limits
  rate_limited: spec(429, 'rate_limit_error', 'rate_limit_error', true, 'A per-minute request or token limit is reached.', 'Retry after `retry-after` seconds.'),
  concurrency_limited: spec(429, 'rate_limit_error', 'rate_limit_error', true, 'Too many requests of this key or org are in flight.', 'Retry when a request finishes.'),
  quota_exhausted: spec(429, 'insufficient_quota', 'rate_limit_error', false, 'A rolling-window quota (e.g. 5-hour or weekly) is used up and will not reset soon.', 'Wait for the reset in `moat-ratelimit-*-reset` or ask for a larger quota.'),
  // Upstream
  upstream_connect_failed: spec(502, 'upstream_error', 'api_error', true, 'Moat could not connect to the model server.', 'Retry later; the provider is alerted.'),
  upstream_connect_timeout: spec(504, 'upstream_timeout', 'timeout_error', true, 'Connecting to the model server timed out.', 'Retry later.'),
  upstream_headers_timeout: spec(504, 'upstream_timeout', 'timeout_error', true, 'The model server accepted the request but sent no response headers in time.', 'Retry later, perhaps with a smaller request.'),
  upstream_body_timeout: spec(504, 'upstream_timeout', 'timeout_error', true, 'The model server stopped sending the response body.', 'Retry later.'),
  upstream_bad_response: spec(502, 'upstream_error', 'api_error', true, 'The model server answered with something that is not a valid response.', 'Retry later; the provider is alerted.'),
  upstream_closed: spec(502, 'upstream_error', 'api_error', true, 'The model server closed the connection mid-response.', 'Retry later.'),
  // Gateway
  shutting_down: spec(503, 'server_error', 'overloaded_error', true, 'This gateway process is shutting down.', 'Retry; another process will answer.'),
  batch_uploads_busy: spec(503, 'server_error', 'overloaded_error', true, 'This gateway is already holding its most batch uploads at once (`batches.concurrentUploads`): each is held whole while its items are judged, so their number bounds its memory.', 'Retry after `retry-after` seconds, or through another gateway.'),
  limits_unavailable: spec(503, 'server_error', 'overloaded_error', true, 'The shared limit store is unreachable and the gateway is configured to fail closed.', 'Retry shortly.'),
  access_unconfirmed: spec(503, 'server_error', 'overloaded_error', true, "This gateway has not been able to confirm the organization's current access with the store for longer than its staleness bound, so it refuses rather than risk serving a revoked or suspended organization.", 'Retry; another gateway (or this one, once it reaches its store) will answer.'),
  store_unavailable: spec(503, 'server_error', 'overloaded_error', true, 'The store (PostgreSQL or the embedded database) did not answer in time or refused the connection; nothing was changed unless the message says so.', 'Retry after `retry-after` seconds; the operator is alerted by `/readyz` and the logs.'),
  internal_error: spec(500, 'server_error', 'api_error', true, 'An unexpected error inside Moat.', 'Retry; report the request id if it persists.'),
  // Admin API
  admin_unauthorized: spec(401, 'invalid_request_error', 'authentication_error', false, 'Missing or unknown admin token.', 'Send `Authorization: Bearer <admin token>`.'),
  admin_forbidden: spec(403, 'permission_denied', 'permission_error', false, "The admin token's role may not do this.", 'Use a token with the needed role (viewer < analyst < admin).'),
  admin_not_found: spec(404, 'invalid_request_error', 'not_found_error', false, 'The org, key, grant, affiliation or token named in the admin request does not exist.', 'Check the id (or org name); list the objects to find it.'),
  detection_unavailable: spec(409, 'invalid_request_error', 'invalid_request_error', false, 'Live detection does not run in this process (disabled, or judged by `moat detect` workers).', 'Explain from a trace with `moat replay TRACE --explain ORG`, or ask a gateway running detection locally.'),
  admin_conflict: spec(409, 'invalid_request_error', 'invalid_request_error', false, 'The change conflicts with existing state (e.g. a duplicate name, or a guarded change without force).', 'Read the message; repeat with `force` if intended.'),
  idempotency_conflict: spec(409, 'invalid_request_error', 'invalid_request_error', false, 'The `Idempotency-Key` was already used for a different request (another route or body), or its first use is still running.', 'Use a new key for a new request; repeat the identical request to get the first answer again.'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
