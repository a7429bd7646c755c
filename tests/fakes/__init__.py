"""Local emulators of the Discord and Slack APIs, for tests and benchmarks (127.0.0.1 only)."""
