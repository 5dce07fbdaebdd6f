"""The domain, pure and without I/O: what the bot remembers, the command grammar, target choice,
progress diffs and the rules of who may act where."""
