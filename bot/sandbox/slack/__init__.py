"""The Slack stand-in: what Slack's Web API, response_url and Socket Mode accept, and refuse."""
