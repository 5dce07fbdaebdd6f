"""Tests for bot.sandbox.digitalocean, the DigitalOcean App Platform API simulator."""
