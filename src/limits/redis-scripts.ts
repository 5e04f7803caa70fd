// Lua scripts of the Redis limiter. Each runs atomically in Redis, so one EVALSHA checks and reserves every
// limit of an admission (one round trip) and one settles a ticket. They implement exactly the rules of
// sliding-window.ts, anchored-window.ts and concurrency.ts; the contract suite runs both backends.
//
// Keys: sliding window = hash {bucket index -> amount}; anchored = hash {anchor, used};
// concurrency = sorted set {ticket id -> lease expiry}.

/**
 * KEYS: one counter per limit. ARGV: mode ("admit"|"peek"), now, ticketId, leaseMs, then per limit:
 * algo ("s"|"a"|"c"), limit, windowMs, bucketMs, cost.
 * Returns {ok, then per limit: ok, used, remaining, resetAt, retryAt (-1 never, -2 none), nextFreeAt, ref}.
 */
export const ADMIT_SCRIPT = `
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
    local flat = redis.call('HGETALL', key)
    local live = {}
    local stale = {}
    for j = 1, #flat, 2 do
      local idx = tonumber(flat[j])
      local v = tonumber(flat[j + 1])
      if idx < oldest then stale[#stale + 1] = flat[j]
      elseif v > 0 then used = used + v; live[#live + 1] = {idx, v} end
    end
    table.sort(live, function(x, y) return x[1] < y[1] end)
    if #live > 0 then nextFree = (live[1][1] + span + 1) * bms end
    if used + cost <= limit then
      ok = 1
      remaining = limit - used - cost
      if cost > 0 then
        resetAt = (cur + span + 1) * bms
        if #live == 0 then nextFree = resetAt end
      elseif #live > 0 then resetAt = (live[#live][1] + span + 1) * bms end
    else
      remaining = math.max(0, limit - used)
      if #live > 0 then resetAt = (live[#live][1] + span + 1) * bms end
      retryAt = -1
      if cost <= limit then
        local freed = 0
        for j = 1, #live do
          freed = freed + live[j][2]
          if used - freed + cost <= limit then retryAt = (live[j][1] + span + 1) * bms; break end
        end
      end
    end
    ref = cur
    plan[i] = {algo, key, cost, cur, win, bms, stale}
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
      if #p[7] > 0 then redis.call('HDEL', key, unpack(p[7])) end
      if p[3] > 0 then
        redis.call('HINCRBY', key, p[4], p[3])
        redis.call('PEXPIRE', key, p[5] + 2 * p[6])
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
 * KEYS: one counter per reservation. ARGV: now, ticketId, then per reservation: algo, windowMs, bucketMs,
 * delta (actual - reserved), ref (bucket index or session anchor).
 */
export const SETTLE_SCRIPT = `
local now = tonumber(ARGV[1])
local ticket = ARGV[2]
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 5
  local algo = ARGV[b + 1]
  local win = tonumber(ARGV[b + 2])
  local bms = tonumber(ARGV[b + 3])
  local delta = tonumber(ARGV[b + 4])
  local ref = tonumber(ARGV[b + 5])
  local key = KEYS[i]
  if algo == 's' then
    local cur = math.floor(now / bms)
    local span = math.ceil(win / bms)
    if delta > 0 then
      redis.call('HINCRBY', key, cur, delta)
      redis.call('PEXPIRE', key, win + 2 * bms)
    elseif delta < 0 and ref >= cur - span then
      local v = tonumber(redis.call('HGET', key, ref))
      if v then redis.call('HSET', key, ref, math.max(0, v + delta)) end
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
