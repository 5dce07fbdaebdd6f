"""The Lua scripts of the store (``bot.store.redis_store``): each runs whole in Redis, so two
replicas
never interleave inside one."""

from __future__ import annotations

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

# Take a lapsed intent to settle it (one replica wins): push its lapse later, so that if
# this replica dies too, another settles it after that.
TAKE_LAPSED = """
local lapse = redis.call('zscore', KEYS[1], ARGV[1])
if lapse and tonumber(lapse) <= tonumber(ARGV[2]) then
    redis.call('zadd', KEYS[1], ARGV[3], ARGV[1])
    return 1
end
return 0
"""
