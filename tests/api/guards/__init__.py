"""Tests of api.guards."""
