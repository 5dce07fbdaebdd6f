"""Ways in: the command line, the HTTP server, Socket Mode, the settings check."""
