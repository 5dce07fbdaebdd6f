"""The running bot: wiring from settings, and the work done after an ack."""
