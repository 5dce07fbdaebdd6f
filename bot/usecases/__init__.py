"""Use cases: propose, approve or cancel, start, commit or revert, read, and expire rollbacks."""
