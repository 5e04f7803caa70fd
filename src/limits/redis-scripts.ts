// Lua scripts of the Redis limiter. Each runs atomically in Redis, so one EVALSHA checks and reserves every
// limit of an admission (one round trip) and one settles a ticket. They implement exactly the rules of
// sliding-window.ts, anchored-window.ts and concurrency.ts; the contract suite runs both backends.
//
// Keys: sliding window = hash {bucket index -> amount (> 0)} plus a summary {t: sum of the bucket fields,
// lo/hi: lowest/highest bucket index present, x: time (gateway clock) until which the key's TTL holds, so
// PEXPIRE runs about once per bucket period}; anchored = hash {anchor, used}; concurrency = sorted set
// {ticket id -> lease expiry}.
//
// The summary lets an admission read 3 fields instead of every bucket (HGETALL of a busy per-minute
// counter is 61 buckets, ~10-25 us of Redis time each). It is trusted only while no bucket has expired
// (lo >= oldest counted bucket); otherwise, or when it is missing (counter written by an older gateway, or
// invalidated by a refund that emptied its lo/hi bucket), the script reads every bucket, and an admission
// rewrites the summary and deletes expired and empty buckets. Refusals also read every bucket (retry time).

/**
 * KEYS: one counter per limit. ARGV: mode ("admit"|"peek"), now, ticketId, leaseMs, then per limit:
 * algo ("s"|"a"|"c"), limit, windowMs, bucketMs, cost.
 * Returns {ok, then per limit: ok, used, remaining, resetAt, retryAt (-1 never, -2 none), nextFreeAt, ref}.
 */
export const ADMIT_SCRIPT = `
local function int(x) return string.format('%.0f', x) end
-- Every bucket of a sliding counter: used, lowest/highest bucket with usage, and fields to delete
-- (expired or empty); 'live' (sorted, oldest first) only when asked.
local function scan(key, oldest, wantLive)
  local flat = redis.call('HGETALL', key)
  local used, lo, hi, drop, live = 0, nil, nil, {}, nil
  if wantLive then live = {} end
  for j = 1, #flat, 2 do
    local idx = tonumber(flat[j])
    if idx then
      local v = tonumber(flat[j + 1])
      if idx < oldest or v <= 0 then drop[#drop + 1] = flat[j]
      else
        used = used + v
        if lo == nil or idx < lo then lo = idx end
        if hi == nil or idx > hi then hi = idx end
        if live then live[#live + 1] = {idx, v} end
      end
    end
  end
  if live then table.sort(live, function(x, y) return x[1] < y[1] end) end
  return used, lo, hi, drop, live
end
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local ticket = ARGV[3]
local lease = tonumber(ARGV[4])
local n = #KEYS
local res = {}
local plan = {}
local allok = 1
for i = 1, n do
  local b = 4 + (i - 1) * 5
  local algo = ARGV[b + 1]
  local limit = tonumber(ARGV[b + 2])
  local win = tonumber(ARGV[b + 3])
  local bms = tonumber(ARGV[b + 4])
  local cost = tonumber(ARGV[b + 5])
  local key = KEYS[i]
  local ok, used, remaining, resetAt, retryAt, nextFree, ref = 0, 0, 0, now, -2, now, 0
  if algo == 's' then
    local cur = math.floor(now / bms)
    local span = math.ceil(win / bms)
    local oldest = cur - span
    local sm = redis.call('HMGET', key, 't', 'lo', 'hi', 'x', cur)
    local t = tonumber(sm[1])
    local lo, hi, drop = nil, nil, nil
    local summary = t ~= nil and (t == 0 or (tonumber(sm[2]) or -math.huge) >= oldest)
    if summary then
      used = t
      if t > 0 then lo = tonumber(sm[2]); hi = tonumber(sm[3]) end
    else
      used, lo, hi, drop = scan(key, oldest, false)
    end
    if lo then nextFree = (lo + span + 1) * bms end
    if used + cost <= limit then
      ok = 1
      remaining = limit - used - cost
      if cost > 0 then
        resetAt = (cur + span + 1) * bms
        if not lo then nextFree = resetAt end
      elseif hi then resetAt = (hi + span + 1) * bms end
    else
      remaining = math.max(0, limit - used)
      if hi then resetAt = (hi + span + 1) * bms end
      retryAt = -1
      if cost <= limit then
        -- Refused: oldest buckets expire first; find when enough has expired for this cost to fit.
        local _, _, _, _, live = scan(key, oldest, true)
        local freed = 0
        for j = 1, #live do
          freed = freed + live[j][2]
          if used - freed + cost <= limit then retryAt = (live[j][1] + span + 1) * bms; break end
        end
      end
    end
    ref = cur
    plan[i] = {algo, key, cost, cur, win, bms, drop, used, lo, hi, tonumber(sm[4]), tonumber(sm[5]) or 0, span}
  elseif algo == 'a' then
    local st = redis.call('HMGET', key, 'anchor', 'used')
    local anchor = tonumber(st[1])
    local active = anchor ~= nil and now < anchor + win
    if active then used = tonumber(st[2]) or 0 end
    local ends = now + win
    if active then ends = anchor + win; nextFree = ends end
    if used + cost <= limit then
      ok = 1
      remaining = limit - used - cost
      resetAt = ends; nextFree = ends
    else
      remaining = math.max(0, limit - used)
      resetAt = ends
      if cost > limit then retryAt = -1 else retryAt = ends end
    end
    if active then ref = anchor else ref = now end
    plan[i] = {algo, key, cost, active, win}
  else
    used = redis.call('ZCOUNT', key, '(' .. now, '+inf')
    if used + 1 <= limit then
      ok = 1
      remaining = limit - used - 1
    else
      remaining = math.max(0, limit - used)
      if limit < 1 then retryAt = -1 else retryAt = now + 1000 end
    end
    plan[i] = {algo, key}
  end
  if ok == 0 then allok = 0 end
  local o = 1 + (i - 1) * 7
  res[o + 1] = ok; res[o + 2] = used; res[o + 3] = remaining; res[o + 4] = resetAt
  res[o + 5] = retryAt; res[o + 6] = nextFree; res[o + 7] = ref
end
res[1] = allok
if mode == 'admit' and allok == 1 then
  for i = 1, n do
    local p = plan[i]
    local algo, key = p[1], p[2]
    if algo == 's' then
      local cost, cur, win, bms, t, lo, hi, x = p[3], p[4], p[5], p[6], p[8], p[9], p[10], p[11]
      if p[7] and #p[7] > 0 then redis.call('HDEL', key, unpack(p[7])) end
      if cost > 0 then
        t = t + cost
        if lo == nil or cur < lo then lo = cur end
        if hi == nil or cur > hi then hi = cur end
        -- x: until when (gateway clock) the key is known to live; extend only when the bucket written now
        -- would outlive it, i.e. about once per bucket period rather than on every admission.
        local extend = x == nil or x < (cur + p[13] + 1) * bms
        if extend then x = now + win + 2 * bms end
        redis.call('HSET', key, cur, int(math.max(0, p[12]) + cost), 't', int(t), 'lo', int(lo), 'hi', int(hi), 'x', int(x))
        if extend then redis.call('PEXPIRE', key, win + 2 * bms) end
      elseif p[7] then
        -- Read in full without a charge: store the fresh summary (the key keeps its expiry), or drop an empty counter.
        if t > 0 then redis.call('HSET', key, 't', int(t), 'lo', int(lo), 'hi', int(hi)) else redis.call('DEL', key) end
      end
    elseif algo == 'a' then
      if p[4] then
        redis.call('HINCRBY', key, 'used', p[3])
      else
        redis.call('HSET', key, 'anchor', now, 'used', p[3])
        redis.call('PEXPIRE', key, p[5] + 1000)
      end
    else
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      redis.call('ZADD', key, now + lease, ticket)
      redis.call('PEXPIRE', key, lease + 1000)
    end
  end
end
return res
`;

/**
 * Settles one or more tickets of one org (their counters share a cluster slot), in order. KEYS: one counter per
 * reservation (repeats allowed). ARGV per reservation: algo, windowMs, bucketMs, delta (actual - reserved), ref
 * (bucket index or session anchor), now (the ticket's settle time), ticketId.
 */
export const SETTLE_SCRIPT = `
local function int(x) return string.format('%.0f', x) end
for i = 1, #KEYS do
  local b = (i - 1) * 7
  local algo = ARGV[b + 1]
  local win = tonumber(ARGV[b + 2])
  local bms = tonumber(ARGV[b + 3])
  local delta = tonumber(ARGV[b + 4])
  local ref = tonumber(ARGV[b + 5])
  local now = tonumber(ARGV[b + 6])
  local ticket = ARGV[b + 7]
  local key = KEYS[i]
  if algo == 's' then
    local cur = math.floor(now / bms)
    local span = math.ceil(win / bms)
    if delta ~= 0 then
      local sm = redis.call('HMGET', key, 't', 'lo', 'hi', 'x', ref)
      local t, lo, hi, x = tonumber(sm[1]), tonumber(sm[2]), tonumber(sm[3]), tonumber(sm[4])
      if delta > 0 then
        redis.call('HINCRBY', key, cur, delta)
        local extend = x == nil or x < (cur + span + 1) * bms
        if extend then x = now + win + 2 * bms end
        if t then
          if lo == nil or cur < lo then lo = cur end
          if hi == nil or cur > hi then hi = cur end
          redis.call('HSET', key, 't', int(t + delta), 'lo', int(lo), 'hi', int(hi), 'x', int(x))
        elseif extend then redis.call('HSET', key, 'x', int(x)) end
        if extend then redis.call('PEXPIRE', key, win + 2 * bms) end
      elseif ref >= cur - span then
        local v = tonumber(sm[5])
        if v then
          local nv = math.max(0, v + delta)
          if nv > 0 then redis.call('HSET', key, ref, int(nv)) else redis.call('HDEL', key, ref) end
          if t then
            -- An emptied lowest/highest bucket moves lo/hi: drop the summary, the next admission rebuilds it.
            if nv == 0 and (ref == lo or ref == hi) then redis.call('HDEL', key, 't')
            else redis.call('HSET', key, 't', int(t - (v - nv))) end
          end
        end
      end
    end
  elseif algo == 'a' then
    if delta ~= 0 then
      local st = redis.call('HMGET', key, 'anchor', 'used')
      local anchor = tonumber(st[1])
      local active = anchor ~= nil and now < anchor + win
      if active and anchor == ref then
        redis.call('HSET', key, 'used', math.max(0, (tonumber(st[2]) or 0) + delta))
      elseif delta > 0 then
        if active then redis.call('HINCRBY', key, 'used', delta)
        else
          redis.call('HSET', key, 'anchor', now, 'used', delta)
          redis.call('PEXPIRE', key, win + 1000)
        end
      end
    end
  else
    redis.call('ZREM', key, ticket)
  end
end
return 1
`;

/**
 * Concurrency leases kept alive and released late. KEYS: concurrency counters (one per lease, repeats
 * allowed). ARGV: leaseMs, then per key: ticket id, expiry (gateway clock) or -1 to release. A renewal
 * re-adds a lease that expired while Redis was unreachable: the request still runs, so its slot counts.
 */
export const LEASE_SCRIPT = `
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  local ticket = ARGV[2 * i]
  local exp = tonumber(ARGV[2 * i + 1])
  if exp < 0 then redis.call('ZREM', KEYS[i], ticket)
  else
    redis.call('ZADD', KEYS[i], exp, ticket)
    redis.call('PEXPIRE', KEYS[i], lease + 1000)
  end
end
return 1
`;

/**
 * Usage admitted locally while Redis was unreachable (fail-open), added to the shared counters when it is
 * back. KEYS: counters. ARGV: now, then per key: algo ("s"|"a"), windowMs, bucketMs, n, then n pairs
 * (sliding: bucket index, amount; anchored: first admission time, amount). Buckets already out of the window
 * are skipped; a sliding counter's summary is dropped, so the next admission reads every bucket and
 * rebuilds it; an anchored counter adds to the running session or starts one at the first local admission.
 */
export const RECONCILE_SCRIPT = `
local now = tonumber(ARGV[1])
local o = 2
for i = 1, #KEYS do
  local key = KEYS[i]
  local algo = ARGV[o]
  local win = tonumber(ARGV[o + 1])
  local bms = tonumber(ARGV[o + 2])
  local n = tonumber(ARGV[o + 3])
  o = o + 4
  if algo == 's' then
    local oldest = math.floor(now / bms) - math.ceil(win / bms)
    local added = false
    for j = 1, n do
      local ref = tonumber(ARGV[o])
      local amt = tonumber(ARGV[o + 1])
      o = o + 2
      if ref >= oldest and amt > 0 then
        redis.call('HINCRBY', key, ref, amt)
        added = true
      end
    end
    if added then
      redis.call('HDEL', key, 't', 'x')
      redis.call('PEXPIRE', key, win + 2 * bms)
    end
  else
    local first = tonumber(ARGV[o])
    local amt = tonumber(ARGV[o + 1])
    o = o + 2 * n
    local st = redis.call('HMGET', key, 'anchor', 'used')
    local anchor = tonumber(st[1])
    if anchor ~= nil and now < anchor + win then redis.call('HINCRBY', key, 'used', amt)
    elseif first + win > now and amt > 0 then
      redis.call('HSET', key, 'anchor', first, 'used', amt)
      redis.call('PEXPIRE', key, first + win - now + 1000)
    end
  end
end
return 1
`;
