"""Benchmarks of the rollback bot: ack latency, many rollbacks at once, calls per rollback.

Run ``python -m bench`` (see BENCHMARKS.md). Everything runs on loopback: a private
redis-server, the DigitalOcean simulator and a Slack stand-in in this process, the bot
(and the floors and the load generator) as child processes.
"""
