"""Tests of api.graph."""
