"""Tests of api.auth."""
