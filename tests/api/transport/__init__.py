"""Tests of api.transport."""
