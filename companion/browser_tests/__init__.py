"""Tests of the built book in headless Chromium (run after the book build; see README.md)."""
