"""Coinflip: a community bot for people working their way into AI safety research."""

__version__ = "0.1.0"
