"""The web UI and HTTP API over the index and store (FastAPI, server-rendered Jinja2)."""
