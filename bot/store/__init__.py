"""Redis: every key name, the shared Lua scripts, the store of cards, decisions and watches, locks,
leases and the audit stream."""
