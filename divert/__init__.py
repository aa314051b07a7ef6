"""Divert: case management and honest evidence for youth justice prevention and diversion."""
