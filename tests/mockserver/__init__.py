"""Test-only HTTP server standing in for the EU sites (as Scrapy's tests/mockserver)."""
