"""Tests of api.observability."""
