"""DigitalOcean's App Platform API: the client, its HTTP transport, the models of its answers and
the shared budget of its rate windows."""
