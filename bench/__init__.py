"""Benchmarks: figures and ratios against bare discord.py / bolt bots on the same emulators."""
