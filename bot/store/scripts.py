"""The Lua scripts of Redis's users: the store's, the locks' and leases', and the shared
DigitalOcean budget's (``bot.digitalocean.budget``). Each runs whole in Redis, so two
replicas never interleave inside one."""

from __future__ import annotations

# --- cards and watches (``bot.store.redis_store``) -----------------------------------

# The first decision on a card wins; an approval also records the intent to start.
CLAIM = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    redis.call('zrem', KEYS[2], ARGV[3])
    if ARGV[4] ~= '' then
        redis.call('zadd', KEYS[3], ARGV[4], ARGV[3])
    end
    return false
end
return redis.call('get', KEYS[1])
"""

# The writes that go together, as scripts rather than MULTI/EXEC: redis-py 8.1's async
# RedisCluster runs each command queued in a transaction in a thread with an event loop
# of its own, and a client first used there keeps connections of that closed loop ("Event
# loop is closed"; tests/test_redis_topologies.py). A script is atomic on every topology.

# A card, with its TTL; listed for the expiry sweeper when ARGV[4] (its expiry) is given.
SAVE_CARD = """
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[4] ~= '' then
    redis.call('zadd', KEYS[2], ARGV[4], ARGV[3])
end
"""

# Forget a card (KEYS[1]) and its place in the sweeper's list (KEYS[2]).
DISCARD_CARD = """
redis.call('del', KEYS[1])
redis.call('zrem', KEYS[2], ARGV[1])
"""

# Undo a decision: the card (KEYS[2]) is pending again and no longer starting, and
# whoever approved it approves again (KEYS[5]: its approvals).
REOPEN_CARD = """
redis.call('del', KEYS[1])
redis.call('set', KEYS[2], ARGV[1], 'EX', ARGV[2])
redis.call('zadd', KEYS[3], ARGV[4], ARGV[3])
redis.call('zrem', KEYS[4], ARGV[3])
redis.call('del', KEYS[5])
"""

# One atomic write of a watch; with an owner (ARGV[6]) only while it holds the lease.
SAVE_WATCH = """
if ARGV[6] ~= '' and redis.call('get', KEYS[4]) ~= ARGV[6] then
    return 0
end
if ARGV[7] == '1' and redis.call('exists', KEYS[1]) == 1 then
    return 2
end
redis.call('set', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
    redis.call('expire', KEYS[1], ARGV[4])
    redis.call('srem', KEYS[2], ARGV[3])
else
    redis.call('sadd', KEYS[2], ARGV[3])
end
if ARGV[5] == '1' then
    redis.call('set', KEYS[3], ARGV[3], 'EX', ARGV[4])
end
return 1
"""

# Take a lapsed intent to recover it (one replica wins): push its lapse later, so that if
# this replica dies too, another recovers it after that.
TAKE_LAPSED = """
local lapse = redis.call('zscore', KEYS[1], ARGV[1])
if lapse and tonumber(lapse) <= tonumber(ARGV[2]) then
    redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
    return 1
end
return 0
"""

# --- locks and leases (``bot.store.locks``, ``bot.store.leases``) -------------------------

# Compare and delete: delete the key only if it still holds our owner id (another owner
# may have it now).
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

# Take a lease nobody holds, or hold on to one's own: a claim sent again (redis-py's retry
# after a dropped connection, whose first SET was carried out) is still the owner's.
CLAIM_LEASE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
return 0
"""

# Publish a look at the fleet (``bot.store.fleet_snapshots``): only by the holder of the
# look's lease (KEYS[3], ARGV[1]), and only if it began after the look it replaces, so a
# look that lost its lease half-way can never put an older fleet back. ARGV[2]: taken_at,
# ARGV[3..7]: interval, grace, pages, apps, keep seconds; then app id / JSON pairs.
# Returns the new look's seq, or 0 when refused.
PUBLISH_LOOK = """
if redis.call('get', KEYS[3]) ~= ARGV[1] then
    return 0
end
local before = tonumber(redis.call('hget', KEYS[1], 'taken_at') or '0')
if before >= tonumber(ARGV[2]) then
    return 0
end
redis.call('del', KEYS[2])
local batch = {}
for i = 8, #ARGV, 2 do
    table.insert(batch, ARGV[i])
    table.insert(batch, ARGV[i + 1])
    if #batch >= 200 then
        redis.call('hset', KEYS[2], unpack(batch))
        batch = {}
    end
end
if #batch > 0 then
    redis.call('hset', KEYS[2], unpack(batch))
end
local seq = redis.call('hincrby', KEYS[1], 'seq', 1)
redis.call('hset', KEYS[1], 'taken_at', ARGV[2], 'interval', ARGV[3], 'grace', ARGV[4],
    'pages', ARGV[5], 'apps', ARGV[6])
redis.call('expire', KEYS[1], ARGV[7])
redis.call('expire', KEYS[2], ARGV[7])
return seq
"""

# How many unfinished watches (the set KEYS[1]) have not had their turn on the look ARGV[1]
# yet, as their followers recorded it (the hash KEYS[2]).
UNREAD_WATCHES = """
local unread = 0
for _, dep in ipairs(redis.call('smembers', KEYS[1])) do
    local seen = tonumber(redis.call('hget', KEYS[2], dep) or '-1')
    if seen < tonumber(ARGV[1]) then
        unread = unread + 1
    end
end
return unread
"""

# Extend every lease of KEYS still held by ARGV[1]; return the keys it no longer holds.
RENEW_LEASES = """
local lost = {}
for i, key in ipairs(KEYS) do
    if redis.call('get', key) == ARGV[1] then
        redis.call('pexpire', key, ARGV[2])
    else
        table.insert(lost, key)
    end
end
return lost
"""

# --- the DigitalOcean budget (``bot.digitalocean.budget``) ------------------------------
# Replicas never both take the last place of a window.

# KEYS: this lane's requests, the other lane's, the pause, the allowance.
# ARGV: now, minute, hour, per minute, per hour, this lane's share of the minute, a member
# name, this lane's share of the hour.
# Takes a place when both windows have room, in all and for this lane; returns "0", else
# the seconds until a place may free up.
BUDGET_TAKE = """
local now = tonumber(ARGV[1])
local minute, hour = tonumber(ARGV[2]), tonumber(ARGV[3])
local shares = {[minute] = tonumber(ARGV[6]), [hour] = tonumber(ARGV[8])}
local pause = tonumber(redis.call('get', KEYS[3]) or '0')
if pause > now then
    return tostring(pause - now)
end
redis.call('zremrangebyscore', KEYS[1], '-inf', now - hour)
redis.call('zremrangebyscore', KEYS[2], '-inf', now - hour)
local limits = {[hour] = tonumber(ARGV[5]), [minute] = tonumber(ARGV[4])}
local allowance = tonumber(redis.call('get', KEYS[4]) or '-1')
if allowance >= 0 and allowance < limits[hour] then
    limits[hour] = allowance
end

-- Seconds until the k-th oldest request of ``sets`` in the window leaves it.
local function leaves(sets, k, span)
    local scores = {}
    for _, key in ipairs(sets) do
        local got = redis.call('zrangebyscore', key, '(' .. (now - span), '+inf',
            'WITHSCORES', 'LIMIT', 0, k)
        for i = 2, #got, 2 do
            table.insert(scores, tonumber(got[i]))
        end
    end
    if #scores < k then
        -- Nothing is allowed until what DigitalOcean said is forgotten and asked again.
        local ttl = redis.call('pttl', KEYS[4])
        return ttl > 0 and ttl / 1000 or minute
    end
    table.sort(scores)
    return scores[k] + span - now
end

local wait = 0
for _, span in ipairs({hour, minute}) do
    local own = redis.call('zcount', KEYS[1], '(' .. (now - span), '+inf')
    local all = own + redis.call('zcount', KEYS[2], '(' .. (now - span), '+inf')
    local cap = limits[span]
    if all >= cap then
        wait = math.max(wait, leaves({KEYS[1], KEYS[2]}, all - cap + 1, span))
    end
    local lane_cap = math.floor(cap * shares[span] + 1e-6)  -- 0.2 * 30 is 5.999…
    if own >= lane_cap then
        wait = math.max(wait, leaves({KEYS[1]}, own - lane_cap + 1, span))
    end
end
if wait > 0 then
    return tostring(wait)
end
redis.call('zadd', KEYS[1], now, ARGV[7])
redis.call('pexpire', KEYS[1], math.ceil(hour * 1000))
return '0'
"""

# KEYS: both lanes' requests, the allowance. ARGV: now, hour, DigitalOcean's limit and
# remaining, the margin, how long to trust it (ms). What DigitalOcean leaves the bot of the
# hour: the token's limit minus what others used.
BUDGET_ALLOW = """
local now = tonumber(ARGV[1])
local ours = 0
for i = 1, 2 do
    redis.call('zremrangebyscore', KEYS[i], '-inf', now - tonumber(ARGV[2]))
    ours = ours + redis.call('zcard', KEYS[i])
end
local others = math.max(0, tonumber(ARGV[3]) - tonumber(ARGV[4]) - ours)
local allowance = math.max(0, tonumber(ARGV[3]) - others - tonumber(ARGV[5]))
redis.call('set', KEYS[3], allowance, 'PX', ARGV[6])
return allowance
"""

# Push the shared pause later, never earlier, whichever replica saw the 429 first.
BUDGET_PAUSE = """
local current = tonumber(redis.call('get', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
    redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""

# --- cards that need several approvals (``bot.store.cards``, issue 18) ------------------

# One approval of a card, in one step, so replicas and double clicks count each person
# once and complete the quorum exactly once. KEYS: the decision, the pending cards, the
# starting intents, the card's approvals. ARGV: the approver, the approvals needed, the
# card id, the approvals' TTL, the decision's TTL, the decision that completes the quorum
# (JSON without its approvals), when the intent to start lapses.
# Returns {'decided', decision} when the card is decided (a cancel or expiry came first),
# {'again', approvers...} when this approver already approved, {'counted', approvers...}
# when more are needed, and {'won', decision} when this approval completed the quorum:
# decided as CLAIM decides an approval.
APPROVE = """
local decided = redis.call('get', KEYS[1])
if decided then
    return {'decided', decided}
end
local approvals = redis.call('lrange', KEYS[4], 0, -1)
for _, user in ipairs(approvals) do
    if user == ARGV[1] then
        table.insert(approvals, 1, 'again')
        return approvals
    end
end
table.insert(approvals, ARGV[1])
if #approvals < tonumber(ARGV[2]) then
    redis.call('rpush', KEYS[4], ARGV[1])
    redis.call('expire', KEYS[4], ARGV[4])
    table.insert(approvals, 1, 'counted')
    return approvals
end
local decision = string.sub(ARGV[6], 1, -2) .. ',"approvals":' .. cjson.encode(approvals) .. '}'
redis.call('set', KEYS[1], decision, 'EX', ARGV[5])
redis.call('del', KEYS[4])
redis.call('zrem', KEYS[2], ARGV[3])
redis.call('zadd', KEYS[3], ARGV[7], ARGV[3])
return {'won', decision}
"""
